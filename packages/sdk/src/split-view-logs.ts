// The two logs whose checkpoints messages carry (§2.3), as split-view checks see them: the
// key directory through this device's CheckpointTracker, the access log through its
// AccessLogTracker. Every checkpoint the server gives is verified against the pinned key;
// every proof is decoded strictly (a malformed one is a refusal, not a crash).
import { CandorError, consistencyResponseSchema, fromBase64Url, toBase64Url, type CheckpointRef } from '@candor/protocol'
import type { Checkpoint } from '@candor/transparency'
import type { ApiClient } from './api-client.ts'
import type { CheckpointTracker } from './checkpoint-tracker.ts'
import type { AccessLogTracker } from './data/access-log-tracker.ts'
import type { DataApi } from './data/data-api.ts'
import type { LogView } from './split-view-check.ts'

function proofNodes(proof: unknown, code: 'directory_proof_invalid' | 'receipt_invalid'): Uint8Array[] {
  const nodes = Array.isArray(proof) ? proof.map((p) => (typeof p === 'string' ? fromBase64Url(p) : null)) : null
  if (!nodes || nodes.some((n) => n === null || n.length !== 32)) throw new CandorError(code, 'the server answered with a malformed consistency proof')
  return nodes as Uint8Array[]
}

const ref = (cp: Checkpoint): CheckpointRef => ({ size: cp.size, root: toBase64Url(cp.rootHash) })

export function directoryView(api: ApiClient, tracker: CheckpointTracker): LogView {
  return {
    name: 'directory',
    latest: () => tracker.latest(),
    refresh: () => tracker.refresh(),
    async signedAt(size) {
      const { checkpoint } = await api.directoryCheckpoint(size)
      const cp = typeof checkpoint === 'string' ? await tracker.openSigned(checkpoint) : null
      if (!cp) throw new CandorError('directory_proof_invalid', `the checkpoint of size ${size} is not signed by the directory key`)
      if (cp.size !== size) throw new CandorError('directory_proof_invalid', `asked for the checkpoint of size ${size}, got one of size ${cp.size}`)
      return ref(cp)
    },
    async consistency(from, to) {
      return proofNodes((await api.directoryConsistency(from, to)).proof, 'directory_proof_invalid')
    },
  }
}

export function accessLogView(data: DataApi, tracker: AccessLogTracker): LogView {
  return {
    name: 'accessLog',
    latest: () => tracker.latest(),
    // The access log serves no checkpoints by size: a larger one is checked against its latest.
    refresh: async () => ref(await tracker.refresh()),
    async consistency(from, to) {
      const r = await data.call(consistencyResponseSchema, 'GET', `/v1/access-log/consistency?from=${from}&to=${to}`, { signedIn: false })
      return proofNodes(r.proof, 'receipt_invalid')
    },
  }
}
