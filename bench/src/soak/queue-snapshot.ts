// The queue a killed server's SQLite database kept: which seqs of which device are still there.
// Read from a copy of the database and its WAL, so the restarted server finds its files exactly
// as the kill left them (opening them here would recover and checkpoint the WAL first).
import Database from 'better-sqlite3'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { QueueSnapshot } from './ledger.ts'

export const DATABASE_FILE = 'candor.db'

export function queueSnapshot(dataDir: string): QueueSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'candor-soak-queue-'))
  try {
    for (const suffix of ['', '-wal']) {
      const from = join(dataDir, DATABASE_FILE + suffix)
      if (existsSync(from)) copyFileSync(from, join(dir, DATABASE_FILE + suffix))
    }
    const db = new Database(join(dir, DATABASE_FILE))
    try {
      const out = new Map<string, Set<number>>()
      for (const r of db.prepare('SELECT device_id, seq FROM queue').all() as Array<{ device_id: string; seq: number }>) {
        let s = out.get(r.device_id)
        if (!s) out.set(r.device_id, (s = new Set()))
        s.add(r.seq)
      }
      return out
    } finally {
      db.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
