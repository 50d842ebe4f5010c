// `candor search <query>`: full-text search of this device's history, on this device only
// (docs/protocol.md §8); --json prints the same objects as `read --json`.
import { CandorError } from '@candor/protocol'
import { openDevice, type GlobalFlags } from '../device-session.ts'
import { formatMessage, messageJson, printJson } from '../output.ts'

export async function search(g: GlobalFlags, query: string, limit: number | undefined): Promise<number> {
  if (query.trim().length === 0) throw new CandorError('bad_request', 'search: give at least one word to look for')
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1 && limit <= 500)) throw new CandorError('bad_request', '--limit: a whole number from 1 to 500')
  // Offline: the history is on this device, and the query never leaves it.
  const client = await openDevice(g)
  try {
    const found = await client.search(query, limit ?? 50)
    for (const m of found) {
      if (g.json) printJson({ ...messageJson(m), fromName: client.displayNameOf(m.from) })
      else process.stdout.write(`${formatMessage(m)}\n`)
    }
    if (!g.json && found.length === 0) process.stdout.write('no messages found\n')
  } finally {
    client.close()
  }
  return 0
}
