// Worker side of the bench's VRF pool: evaluates the directory's VRF for batches of inputs.
import { parentPort, workerData } from 'node:worker_threads'
import { vrfSecretKey } from '../src/index.ts'
import { x25519Multiplier } from '../src/node/index.ts'

const key = vrfSecretKey(workerData as Uint8Array, x25519Multiplier)
parentPort!.on('message', (msg: { id: number; alphas: Uint8Array[] }) => {
  parentPort!.postMessage({ id: msg.id, outputs: msg.alphas.map((a) => key.hash(a)) })
})
