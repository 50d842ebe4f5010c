// Service provider configuration, resource types and schemas (RFC 7644 §4, RFC 7643 §5–7): what
// this server supports, for identity providers that read it.
import { GROUP_SCHEMA } from './scim-groups.ts'
import { LIST_SCHEMA, type Json } from './scim-resource.ts'
import { USER_SCHEMA } from './scim-users.ts'

export const MAX_RESULTS = 500

export function serviceProviderConfig(base: string): Json {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://candor.invalid/docs/organisations.md#scim',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'A per-organisation token an owner creates (candor org scim-token)', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/scim/v2/ServiceProviderConfig` },
  }
}

export function resourceTypes(base: string): Json[] {
  return [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users', description: 'A person of the organisation', schema: USER_SCHEMA, meta: { resourceType: 'ResourceType', location: `${base}/scim/v2/ResourceTypes/User` } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'A group of the organisation’s people', schema: GROUP_SCHEMA, meta: { resourceType: 'ResourceType', location: `${base}/scim/v2/ResourceTypes/Group` } },
  ]
}

const attr = (name: string, type: string, more: Json = {}): Json => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...more,
})

export function schemas(base: string): Json[] {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: USER_SCHEMA,
      name: 'User',
      description: 'A person; userName is their Candor user id and never changes',
      attributes: [
        attr('userName', 'string', { required: true, mutability: 'immutable', uniqueness: 'server' }),
        attr('externalId', 'string', { caseExact: true }),
        attr('active', 'boolean'),
        attr('displayName', 'string'),
        attr('name', 'complex', { subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => attr(n, 'string')) }),
        attr('emails', 'complex', { multiValued: true, subAttributes: [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')] }),
        attr('password', 'string', { mutability: 'writeOnly', returned: 'never' }),
      ],
      meta: { resourceType: 'Schema', location: `${base}/scim/v2/Schemas/${USER_SCHEMA}` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: GROUP_SCHEMA,
      name: 'Group',
      description: 'A group of the organisation’s people (stored; mapped to no conversation yet)',
      attributes: [
        attr('displayName', 'string', { required: true }),
        attr('externalId', 'string', { caseExact: true }),
        attr('members', 'complex', { multiValued: true, subAttributes: [attr('value', 'string', { mutability: 'immutable' }), attr('$ref', 'reference', { mutability: 'immutable' }), attr('type', 'string', { mutability: 'immutable' })] }),
      ],
      meta: { resourceType: 'Schema', location: `${base}/scim/v2/Schemas/${GROUP_SCHEMA}` },
    },
  ]
}

export const listOf = (items: Json[]): Json => ({ schemas: [LIST_SCHEMA], totalResults: items.length, startIndex: 1, itemsPerPage: items.length, Resources: items })
