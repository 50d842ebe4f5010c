// A failure of the device's own storage (a full disk, an I/O error, a browser that aborted an
// IndexedDB transaction) is no verdict on a message: the message is kept and processed again
// later. Each adapter fails in its own way (Node's fs errors, DOMExceptions), so the client
// sees its store through this wrapper, which turns any such failure into
// CandorError('unavailable') naming the operation — the code delivery treats as transient.
import { CandorError } from '@candor/protocol'
import type { LocalStore } from './local-store.ts'

function failed(op: string, e: unknown): CandorError {
  if (e instanceof CandorError) return e
  const why = e instanceof Error ? e.message : String(e)
  return new CandorError('unavailable', `the device's local storage failed (${op}): ${why}`, { cause: e, details: { source: 'local_store' } })
}

async function guarded<T>(op: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (e) {
    throw failed(op, e)
  }
}

/** The same store, whose failures are CandorError('unavailable', …, { details: { source: 'local_store' } }). */
export function storeFailuresAsUnavailable(store: LocalStore): LocalStore {
  return {
    get: (key) => guarded('get', () => store.get(key)),
    put: (key, value) => guarded('put', () => store.put(key, value)),
    delete: (key) => guarded('delete', () => store.delete(key)),
    keys: (prefix) => guarded('keys', () => store.keys(prefix)),
    append: (log, line) => guarded('append', () => store.append(log, line)),
    lines: (log) => guarded('lines', () => store.lines(log)),
    rewrite: (log, lines) => guarded('rewrite', () => store.rewrite(log, lines)),
  }
}
