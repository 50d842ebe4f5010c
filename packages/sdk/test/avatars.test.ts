// People's pictures end to end (docs/protocol.md §2 `profile`, Avatars) through a real server:
// set by the person, carried in their encrypted profile message (the picture as an attachment
// blob of the conversation, its thumbnail inline), learnt by the others in each conversation and
// by a conversation made later; removed the same way; a bad picture is refused before anything
// is sent; the same picture is not uploaded twice into a conversation (sent again by reference).
// Canary: neither the picture nor its thumbnail is in the blob folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CandorError } from '@candor/protocol'
import { FolderBlobStore } from '@candor/store-sqlite'
import type { CandorClient, OwnAvatar } from '../src/index.ts'
import { startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
let blobDir: string
let blobs: FolderBlobStore
let alice: CandorClient
let bob: CandorClient

const b64 = (s: string) => Buffer.from(s).toString('base64url')
const picture: OwnAvatar = {
  mediaType: 'image/png',
  data: b64('CANARY-avatar-picture-'.repeat(200)),
  thumbnail: { mediaType: 'image/webp', width: 96, height: 96, data: b64('CANARY-avatar-thumb-'.repeat(20)) },
}

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'candor-avatar-blobs-'))
  blobs = await FolderBlobStore.open(blobDir)
  env = await startDevEnv({ blobs, blobSweepMs: 3_600_000 })
  alice = await env.user('alice')
  bob = await env.user('bob')
  await alice.directConversation('bob')
}, 180_000)

afterAll(async () => {
  await env?.close()
  await blobs?.close()
  rmSync(blobDir, { recursive: true, force: true })
})

describe('avatars', () => {
  it('a person sets a picture: the others in their conversations get its thumbnail; the server holds ciphertext only', async () => {
    expect(alice.avatarOf('alice')).toBeNull()
    const seen = new Promise<void>((resolve) => bob.on('avatar', (e) => e.userId === 'alice' && resolve()))
    await alice.setAvatar(picture)
    expect(alice.avatarOf('alice')).toEqual(picture.thumbnail)
    await seen
    expect(bob.avatarOf('alice')).toEqual(picture.thumbnail)
    const files = readdirSync(blobDir)
    expect(files.length).toBeGreaterThan(0)
    for (const f of files) expect(readFileSync(join(blobDir, f)).toString('latin1')).not.toContain('CANARY')
  })

  it('the same picture set again, or a name change, is sent by reference: nothing is uploaded again; a new picture is', async () => {
    const uploaded = () => readdirSync(blobDir).filter((f) => f.endsWith('.blob')).length
    const before = uploaded()
    expect(before).toBeGreaterThan(0)
    await alice.setAvatar(picture)
    await alice.setDisplayName('Alice A.')
    await waitFor(() => bob.displayNameOf('alice') === 'Alice A.', 'bob to learn alice’s name (her profile, with the picture by reference)')
    expect(uploaded()).toBe(before)
    expect(bob.avatarOf('alice')).toEqual(picture.thumbnail)
    const other: OwnAvatar = { ...picture, data: b64('CANARY-avatar-other-'.repeat(200)), thumbnail: { ...picture.thumbnail, data: b64('CANARY-avatar-thumb2-'.repeat(20)) } }
    await alice.setAvatar(other)
    expect(uploaded()).toBe(before + 1)
    await waitFor(() => bob.avatarOf('alice')?.data === other.thumbnail.data, 'bob to see the new picture')
    await alice.setAvatar(picture)
    await waitFor(() => bob.avatarOf('alice')?.data === picture.thumbnail.data, 'bob to see the first picture again')
  })

  it('a conversation made later gets it on creation; removing it reaches everyone', async () => {
    const carol = await env.user('carol')
    await alice.directConversation('carol')
    await waitFor(() => carol.avatarOf('alice') !== null, 'carol to learn alice’s picture (sent with her profile on creation)')
    expect(carol.avatarOf('alice')).toEqual(picture.thumbnail)
    await alice.setAvatar(null)
    await waitFor(() => bob.avatarOf('alice') === null && carol.avatarOf('alice') === null, 'the removal to reach bob and carol')
    expect(alice.avatarOf('alice')).toBeNull()
  })

  it('a bad picture is refused before anything is uploaded or sent', async () => {
    const before = readdirSync(blobDir).length
    const bad: OwnAvatar[] = [
      { ...picture, mediaType: 'text/html' },
      { ...picture, data: '' },
      { ...picture, data: Buffer.alloc(1024 * 1024 + 1).toString('base64url') },
      { ...picture, thumbnail: { ...picture.thumbnail, data: Buffer.alloc(16 * 1024 + 1).toString('base64url') } },
      { ...picture, thumbnail: { ...picture.thumbnail, width: 0 } },
    ]
    for (const a of bad) {
      const err = await alice.setAvatar(a).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CandorError)
      expect((err as CandorError).code).toBe('bad_request')
    }
    expect(readdirSync(blobDir).length).toBe(before)
    expect(alice.avatarOf('alice')).toBeNull()
  })
})
