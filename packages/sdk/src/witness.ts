// An independent witness of the key directory: it fetches the latest checkpoint, checks it is
// signed by the directory and consistent with every checkpoint it saw before (refusing a fork
// or a rollback), and only then cosigns it (C2SP tlog-cosignature) and hands the cosignature back.
import { CandorError, fromBase64Url, toBase64Url, utf8 } from '@candor/protocol'
import { generateDeviceKey } from '@candor/crypto'
import { cosigner, formatNote, formatVerifierKey, parseNote, SIG_TYPE_COSIGNATURE_V1 } from '@candor/transparency'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { ApiClient } from './api-client.ts'
import { CheckpointTracker } from './checkpoint-tracker.ts'
import type { LocalStore } from './local-store.ts'

const KEY = 'witness/key'

export interface WitnessResult {
  size: number
  cosigned: boolean
}

export class Witness {
  readonly #api: ApiClient
  readonly #store: LocalStore
  readonly #tracker: CheckpointTracker
  readonly name: string

  constructor(api: ApiClient, store: LocalStore, name: string) {
    this.#api = api
    this.#store = store
    this.#tracker = new CheckpointTracker(this.#api, store, {})
    this.name = name
  }

  async #secret(): Promise<Uint8Array> {
    const stored = await this.#store.get(KEY)
    if (stored) return fromBase64Url(stored)!
    const { secretKey } = generateDeviceKey()
    await this.#store.put(KEY, toBase64Url(secretKey))
    return secretKey
  }

  /** The key clients list in `directory.witnesses` to require this witness's cosignature. */
  async verifierKey(): Promise<string> {
    return formatVerifierKey(this.name, SIG_TYPE_COSIGNATURE_V1, ed25519.getPublicKey(await this.#secret()))
  }

  /** Checks and cosigns the directory's latest checkpoint; throws directory_proof_invalid on a fork or rollback. */
  async witnessOnce(): Promise<WitnessResult> {
    const info = await this.#api.directoryInfo()
    const checkpoint = await this.#tracker.accept(info.checkpoint)
    const parsed = parseNote(info.checkpoint)
    if (!parsed) throw new CandorError('directory_proof_invalid', 'checkpoint note does not parse')
    const signer = cosigner(this.name, await this.#secret())
    const signature = signer.sign(utf8(parsed.text))
    const note = formatNote(parsed.text, [{ name: signer.name, keyId: signer.keyId, signature }])
    const r = await this.#api.postCosignature(note)
    return { size: checkpoint.size, cosigned: r.accepted }
  }
}
