// `candor witness`: an independent witness that cosigns the key directory's checkpoints after
// checking each is consistent with all it saw before. It refuses, loudly, a fork or a rollback.
// The server takes its cosignatures only once its operator names the witness's verifier key
// (`candor serve --witness VKEY`); until then each attempt is refused and says so.
import { hostname } from 'node:os'
import { CandorError } from '@candor/protocol'
import { ApiClient, Witness } from '@candor/sdk'
import { FileLocalStore } from '@candor/sdk/node'
import type { GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export async function witness(g: GlobalFlags, name: string | undefined, intervalSeconds: number, once: boolean): Promise<number> {
  if (!g.server) throw new CandorError('bad_request', 'witness needs --server URL')
  const w = new Witness(new ApiClient(g.server), new FileLocalStore(g.home), name ?? `witness.${hostname()}`)
  const vkey = await w.verifierKey()
  if (g.json) printJson({ witness: w.name, verifierKey: vkey })
  else {
    process.stdout.write(
      `witness ${w.name}\nverifier key (the server's operator adds it with candor serve --witness; clients that require this witness list it): ${vkey}\n`,
    )
  }
  for (;;) {
    try {
      const r = await w.witnessOnce()
      if (g.json) printJson(r)
      else process.stdout.write(`cosigned checkpoint of size ${r.size}\n`)
    } catch (e) {
      if (e instanceof CandorError && e.code === 'directory_proof_invalid') {
        process.stderr.write(`REFUSED: ${e.message}\n`)
        if (g.json) printJson({ refused: e.message })
        return 3
      }
      process.stderr.write(`witness: ${(e as Error).message}\n`)
      if (once) return 1
    }
    if (once) return 0
    await new Promise((r) => setTimeout(r, intervalSeconds * 1000))
  }
}
