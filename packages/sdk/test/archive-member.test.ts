// The compliance archive as a visible member, in the SDK (docs/protocol.md §11.1–§11.3): the key
// directory says `archive` exactly for the account the organisation's signed policy names (no
// one else, and not after the policy stops naming it); an admin cannot name someone of another
// organisation; a member's client adds the archive where the policy requires it, shows it as a
// recognised archive, and refuses to send after the person refused consent. The policy's archive
// key must be one the officers' key ceremony published: else members' devices neither add the
// archive nor send where it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY, decodeDirectoryValue, toBase64Url, type OrgPolicy, type UserId } from '@candor/protocol'
import { generateArchiveKeyPair } from '@candor/compliance'
import type { CandorClient } from '../src/index.ts'
import { waitFor } from './dev-env.ts'
import { code, refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let mia: CandorClient
let arc: CandorClient
let archiveKey = ''

const kindOf = async (u: string) => {
  await o.env.server.context.directory.publishUser(u as UserId)
  return decodeDirectoryValue(await o.env.server.context.directory.valueOf(u as UserId))
}
const policy = (archive: { required: string; account?: string; archiveKey?: string; groups?: string[] }): OrgPolicy => ({ ...DEFAULT_ORG_POLICY, archive }) as unknown as OrgPolicy

beforeAll(async () => {
  o = await startOrgEnv()
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  mia = await o.person('mia@acme.example', 'acme')
  arc = await o.person('archive@acme.example', 'acme')
  // The archive key, split among acme's compliance officer (one, k = 1) by the key ceremony.
  const oscar = await o.person('oscar@acme.example', 'acme')
  await o.root.admin.grant('oscar@acme.example', 'compliance_officer')
  archiveKey = (await oscar.compliance.keyCeremony('acme', 1)).archiveKey
  for (const c of [olive, mia, arc]) await c.connect()
})
afterAll(async () => {
  await o.close()
})

describe('the archive account', () => {
  it('is an archive in the key directory exactly while the signed policy names it', async () => {
    expect((await kindOf('archive@acme.example'))).toMatchObject({ kind: 'person' })
    await olive.admin.setPolicy('acme', policy({ required: 'all', account: 'archive@acme.example', archiveKey }))
    expect(await kindOf('archive@acme.example')).toMatchObject({ kind: 'archive', org: 'acme' })
    expect(await kindOf('mia@acme.example')).toMatchObject({ kind: 'person' })
  })

  it('an admin cannot name someone of another organisation, nor an account without its key; nothing changes', async () => {
    const gina = await o.person('gina@globex.example', 'globex')
    await o.root.admin.grant('gina@globex.example', 'owner')
    const before = await o.env.server.context.policies.served('globex' as never)
    expect(await refusal(gina.admin.setPolicy('globex', policy({ required: 'all', account: 'mia@acme.example', archiveKey })))).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/archive\.account: mia@acme\.example is not a member of globex/) })
    expect(await code(olive.admin.setPolicy('acme', policy({ required: 'all', account: 'archive@acme.example' })))).toBe('bad_request')
    expect(await code(olive.admin.setPolicy('acme', policy({ required: 'all', account: 'archive@acme.example', archiveKey, groups: ['legal'] })))).toBe('bad_request')
    expect((await o.env.server.context.policies.served('globex' as never)).version).toBe(before.version)
    expect((await olive.policy()).version).toBe(1)
    expect(await kindOf('mia@acme.example')).toMatchObject({ kind: 'person' })
  })
})

describe('members and the archive', () => {
  let conv = ''

  it('a new conversation gets the archive by the creator’s commit; everyone sees a recognised archive', async () => {
    conv = await olive.createConversation(['mia@acme.example'])
    const readers = await olive.whoCanRead(conv)
    expect(readers.find((r) => r.userId === 'archive@acme.example')).toMatchObject({ kind: 'archive', recognised: true })
    await waitFor(async () => (await mia.whoCanRead(conv).catch(() => [])).some((r) => r.userId === 'archive@acme.example'), 'mia to see the archive', 30_000)
    expect((await mia.whoCanRead(conv)).find((r) => r.userId === 'archive@acme.example')).toMatchObject({ kind: 'archive', recognised: true })
    expect(await mia.archive.status(conv)).toMatchObject({ required: true, account: 'archive@acme.example', org: 'acme', policyVersion: 1, consent: 'none' })
    // The archive device joined too.
    await waitFor(() => arc.conversations().some((c) => c.id === conv), 'the archive to join', 30_000)
  })

  it('the archive’s announcement is a line in every timeline', async () => {
    await arc.archive.announce(conv, 'acme', 1)
    await waitFor(async () => (await mia.history(conv)).some((m) => m.kind === 'archive'), 'mia to see the line', 30_000)
    expect((await mia.history(conv)).find((m) => m.kind === 'archive')).toMatchObject({ text: 'Archived by acme, policy v1', archive: { org: 'acme', policyVersion: 1 } })
  })

  it('a refusal of consent stops that person sending there, and only there', async () => {
    await mia.archive.consent(conv, 'withdrawn')
    const refused = await mia.send(conv, 'not archived').then(() => null, (e: unknown) => e as { code: string; details?: { reason?: string } })
    expect(refused).toMatchObject({ code: 'forbidden', details: { reason: 'archive_consent_refused' } })
    await olive.send(conv, 'olive still sends')
    await mia.archive.consent(conv, 'given')
    await mia.send(conv, 'mia sends again')
  })

  it('the archive updates its own leaf by a commit; members follow', async () => {
    const before = olive.conversations().find((c) => c.id === conv)!.epoch
    await arc.archive.updateOwnLeaf(conv)
    await waitFor(() => olive.conversations().find((c) => c.id === conv)!.epoch > before, 'olive to follow the update', 30_000)
    await olive.send(conv, 'after the update')
    await waitFor(async () => (await mia.history(conv)).some((m) => m.text === 'after the update'), 'mia to read after the update', 30_000)
  })

  it('a policy whose archive key no key ceremony published: the archive is flagged, members do not send there nor add it', async () => {
    // Whoever wrote this key may hold its private half alone: not k of n officers.
    const unsplit = toBase64Url((await generateArchiveKeyPair()).publicKey)
    await olive.admin.setPolicy('acme', policy({ required: 'all', account: 'archive@acme.example', archiveKey: unsplit }))
    const refusedWith = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as { code: string; message: string; details?: { reason?: string } })
    // A device that reads the new policy (a fresh one: the others keep theirs for 30 s).
    const nina = await o.person('nina@acme.example', 'acme')
    await nina.connect()
    await olive.addMembers(conv, ['nina@acme.example'])
    await waitFor(() => nina.conversations().some((c) => c.id === conv), 'nina to join', 30_000)
    expect((await nina.whoCanRead(conv)).find((r) => r.userId === 'archive@acme.example')).toMatchObject({ kind: 'archive', recognised: false, problem: 'key_unproven' })
    expect(await refusedWith(nina.send(conv, 'to an archive sealing to an unsplit key'))).toMatchObject({
      code: 'forbidden', message: expect.stringMatching(/not one its compliance officers' key ceremony published/), details: { reason: 'archive_key_unproven' },
    })
    const other = await nina.createConversation(['mia@acme.example'])
    expect(await refusedWith(nina.archive.ensure(other))).toMatchObject({ code: 'forbidden', details: { reason: 'archive_key_unproven' } })
    expect((await nina.whoCanRead(other)).some((r) => r.userId === 'archive@acme.example')).toBe(false)
    await olive.admin.setPolicy('acme', policy({ required: 'all', account: 'archive@acme.example', archiveKey }))
  })
})
