// What a malicious operator can build with the real server's own keys: a second key directory
// and a second access log, each signed with the same keys and each consistent with itself,
// but with a history of its own. Shown to one person through the operator's proxy, they are a
// split view: that person's client can verify every answer, yet sees a different world.
import { toBase64Url, type UserId } from '@candor/protocol'
import type { CandorServer, ServerKeys } from '@candor/server'
import {
  KeyDirectory,
  MemoryDirectoryStorage,
  MerkleLog,
  ed25519NoteSigner,
  encodeHistoryProof,
  encodeLookupProof,
  merkleLeafHash,
  signCheckpoint,
} from '@candor/transparency'
import type { Answer } from './operator-proxy.ts'

const notFound = (message: string): Answer => ({ status: 404, body: { error: { code: 'not_found', message } } })
const badRequest = (message: string): Answer => ({ status: 400, body: { error: { code: 'bad_request', message } } })

function sizes(url: URL): [number, number] {
  return [Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))]
}

/**
 * A key directory with the real one's signing and VRF keys that starts from a different first
 * epoch and then mirrors every user's real entry as it is asked for, so all lookups verify.
 */
export class ForkedDirectory {
  readonly #server: CandorServer
  readonly #fork: KeyDirectory
  readonly #mirrored = new Map<string, string>()
  #lock: Promise<unknown> = Promise.resolve()

  private constructor(server: CandorServer, fork: KeyDirectory) {
    this.#server = server
    this.#fork = fork
  }

  /** `keys`: the server's key file (the database holds no secret key since the keys moved out). */
  static async of(server: CandorServer, keys: ServerKeys): Promise<ForkedDirectory> {
    const fork = await KeyDirectory.open({
      origin: server.context.directory.directory.origin,
      signingKey: keys.directorySigningKey,
      vrfKey: keys.directoryVrfKey,
      storage: new MemoryDirectoryStorage(),
    })
    // The history the real directory never had.
    fork.update('someone-hidden', new Uint8Array([1, 2, 3]))
    await fork.publishEpoch()
    return new ForkedDirectory(server, fork)
  }

  /** Copies the user's real entry into the fork (a new epoch when it changed). */
  #mirror(userId: string): Promise<boolean> {
    const run = this.#lock.then(async () => {
      if (!(await this.#server.context.directory.directory.lookup(userId))) return false
      const value = await this.#server.context.directory.valueOf(userId as UserId)
      if (this.#mirrored.get(userId) !== toBase64Url(value)) {
        this.#fork.update(userId, value)
        await this.#fork.publishEpoch()
        this.#mirrored.set(userId, toBase64Url(value))
      }
      return true
    })
    this.#lock = run.catch(() => undefined)
    return run
  }

  /** The operator's answers to `owner`'s client for every /v1/directory request (undefined: forward). */
  async answer(method: string, url: URL, owner: string): Promise<Answer> {
    const p = url.pathname
    if (method !== 'GET' || !p.startsWith('/v1/directory')) return undefined
    const f = this.#fork
    if (p === '/v1/directory') {
      return { status: 200, body: { origin: f.origin, verifierKey: f.verifierKey, vrfPublicKey: toBase64Url(f.vrfPublicKey), checkpoint: f.checkpoint() } }
    }
    if (p.startsWith('/v1/directory/lookup/')) {
      const userId = decodeURIComponent(p.slice('/v1/directory/lookup/'.length))
      if (!(await this.#mirror(userId))) return { status: 404, body: { error: { code: 'unknown_user', message: 'no such user in the directory' } } }
      return { status: 200, body: { checkpoint: f.checkpoint(), proof: toBase64Url(encodeLookupProof((await f.lookup(userId))!)) } }
    }
    if (p === '/v1/directory/history') {
      await this.#mirror(owner)
      return { status: 200, body: { checkpoint: f.checkpoint(), proof: toBase64Url(encodeHistoryProof((await f.history(owner))!)) } }
    }
    if (p === '/v1/directory/consistency') {
      try {
        return { status: 200, body: { proof: f.consistencyProof(...sizes(url)).map(toBase64Url) } }
      } catch {
        return badRequest('no consistency proof between these sizes')
      }
    }
    if (p.startsWith('/v1/directory/checkpoints/')) {
      const note = f.checkpointAt(Number(p.slice('/v1/directory/checkpoints/'.length)))
      return note ? { status: 200, body: { checkpoint: note } } : notFound('no checkpoint of that size')
    }
    return undefined
  }
}

/**
 * An access log signed with the real log's key in which the operator replaced what the real
 * log holds (say, to hide a receipt from the person it concerns).
 */
export class ForkedAccessLog {
  readonly #server: CandorServer
  readonly #tree = new MerkleLog()
  readonly #seed: Uint8Array

  private constructor(server: CandorServer, seed: Uint8Array) {
    this.#server = server
    this.#seed = seed
  }

  static async of(server: CandorServer, keys: ServerKeys, leaves: readonly Uint8Array[]): Promise<ForkedAccessLog> {
    const log = new ForkedAccessLog(server, keys.accessLogSigningKey)
    for (const l of leaves) log.#tree.append(merkleLeafHash(l))
    return log
  }

  #checkpoint(): string {
    const origin = this.#server.context.access.log.origin
    return signCheckpoint({ origin, size: this.#tree.size, rootHash: this.#tree.root(), extensions: [] }, [ed25519NoteSigner(origin, this.#seed)])
  }

  answer(method: string, url: URL): Answer {
    if (method !== 'GET') return undefined
    const real = this.#server.context.access.log
    if (url.pathname === '/v1/access-log') return { status: 200, body: { origin: real.origin, verifierKey: real.verifierKey, checkpoint: this.#checkpoint() } }
    if (url.pathname === '/v1/access-log/consistency') {
      const [from, to] = sizes(url)
      if (!(from >= 1 && from <= to && to <= this.#tree.size)) return badRequest('sizes out of range')
      return { status: 200, body: { proof: this.#tree.consistencyProof(from, to).map(toBase64Url) } }
    }
    return undefined
  }
}
