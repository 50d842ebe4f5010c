// Two organisations on one real server: the operator (`root`, enrolled with the one-time token)
// creates `acme` (acme.example) and `globex` (globex.example), both open to sign-up, and people
// register through the sign-up of the organisation they belong to.
import { CandorError } from '@candor/protocol'
import { CandorClient } from '../src/index.ts'
import type { ServerOptions } from '@candor/server'
import { options, startDevEnv, type DevEnv } from './dev-env.ts'

export interface OrgEnv {
  env: DevEnv
  /** The server's operator: a person of `default` holding the operator role. */
  root: CandorClient
  /** Registers `userId` through the sign-up of `org` (not connected: the admin API is HTTP). */
  person(userId: string, org?: string): Promise<CandorClient>
  close(): Promise<void>
}

/**
 * Makes two people contacts both ways (as if each had accepted the other), so a conversation
 * between people of different organisations starts without a contact request.
 */
export async function acquaint(a: CandorClient, b: CandorClient): Promise<void> {
  await a.requests.addContact(b.userId)
  await b.requests.addContact(a.userId)
}

export async function startOrgEnv(serverOptions: Partial<Omit<ServerOptions, 'store' | 'keys'>> = {}): Promise<OrgEnv> {
  const env = await startDevEnv(serverOptions)
  const root = await env.user('root')
  await root.admin.enrol((await env.server.context.admins.enrolmentToken())!, 'ops')
  await root.admin.createOrganisation('acme', 'Acme Ltd', 'open')
  await root.admin.addDomain('acme', 'acme.example')
  await root.admin.createOrganisation('globex', 'Globex Corporation', 'open')
  await root.admin.addDomain('globex', 'globex.example')
  return {
    env,
    root,
    async person(userId, org) {
      const c = await CandorClient.register(options(env.server.url), userId, `${userId}-device`, org)
      env.clients.push(c)
      return c
    },
    close: () => env.close(),
  }
}

/** The error a call fails with (code and message), or a text saying it did not fail. */
export async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string } | string> {
  const e = await p.then(() => null, (err: unknown) => err)
  return e instanceof CandorError ? { code: e.code, message: e.message } : `no error (${String(e)})`
}

export async function code(p: Promise<unknown>): Promise<string> {
  const r = await refusal(p)
  return typeof r === 'string' ? r : r.code
}
