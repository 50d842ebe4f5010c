// WalSync: commits waiting for a flush are answered in order, those made during a flush share the
// next one, and a flush that cannot run fails its waiters instead of answering them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WalSync } from './wal-sync.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'candor-walsync-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const flushed = (sync: WalSync) => new Promise<Error | null>((resolve) => sync.afterCommit(resolve))

describe('WalSync', () => {
  it('answers every waiter once, in the order they asked, after a flush that began after them', async () => {
    const path = join(dir, 'x.db-wal')
    writeFileSync(path, 'frames')
    const sync = new WalSync(path)
    const order: number[] = []
    const all = Array.from({ length: 5 }, (_, i) =>
      new Promise<void>((resolve, reject) =>
        sync.afterCommit((e) => {
          if (e) reject(e)
          order.push(i)
          resolve()
        }),
      ),
    )
    // Nothing is answered in the same turn: a flush in the thread pool comes first.
    expect(order).toEqual([])
    await Promise.all(all)
    expect(order).toEqual([0, 1, 2, 3, 4])
    expect(await flushed(sync)).toBeNull()
    await sync.close()
    expect((await flushed(sync))?.message).toMatch(/closed/) // nothing is answered as durable after close
  })

  it('fails the waiters when the WAL file cannot be opened', async () => {
    const sync = new WalSync(join(dir, 'missing.db-wal'))
    expect((await flushed(sync))?.message).toMatch(/ENOENT/)
    await sync.close()
  })
})
