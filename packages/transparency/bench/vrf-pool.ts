// A worker-thread VrfEvaluator for the bench: how a Node server can spread VRF work over cores.
import { Worker } from 'node:worker_threads'
import type { VrfEvaluator } from '../src/index.ts'

export function vrfPool(vrfKey: Uint8Array, size: number): { evaluate: VrfEvaluator; close: () => Promise<void> } {
  const workers = Array.from(
    { length: size },
    () => new Worker(new URL('./vrf-worker-entry.mjs', import.meta.url), { workerData: vrfKey }),
  )
  const waiting = new Map<number, (outputs: Uint8Array[]) => void>()
  for (const w of workers) w.on('message', (m: { id: number; outputs: Uint8Array[] }) => waiting.get(m.id)?.(m.outputs))
  let next = 0
  const evaluate: VrfEvaluator = async (alphas) => {
    const chunk = Math.ceil(alphas.length / workers.length)
    const parts = workers.map((w, i) => {
      const id = next++
      const slice = alphas.slice(i * chunk, (i + 1) * chunk)
      return new Promise<Uint8Array[]>((resolve) => {
        waiting.set(id, (outputs) => {
          waiting.delete(id)
          resolve(outputs)
        })
        w.postMessage({ id, alphas: slice })
      })
    })
    return (await Promise.all(parts)).flat()
  }
  return { evaluate, close: async () => void (await Promise.all(workers.map((w) => w.terminate()))) }
}
