// MLS key packages on SQLite, per device and cipher suite: one-time packages, each handed out
// once in the order uploaded, and one last-resort package, handed out when those are gone.
import type Database from 'better-sqlite3'
import type { DeviceId } from '@candor/protocol'

export class SqliteKeyPackages {
  readonly #db: Database.Database
  readonly #s

  constructor(db: Database.Database) {
    this.#db = db
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      insertKeyPackage: p('INSERT INTO key_packages (device_id, last_resort, data, suite) VALUES (?, ?, ?, ?)'),
      deleteLastResort: p('DELETE FROM key_packages WHERE device_id = ? AND suite = ? AND last_resort = 1'),
      takeOneTime: p('DELETE FROM key_packages WHERE id = (SELECT id FROM key_packages WHERE device_id = ? AND suite = ? AND last_resort = 0 ORDER BY id LIMIT 1) RETURNING data'),
      getLastResort: p('SELECT data FROM key_packages WHERE device_id = ? AND suite = ? AND last_resort = 1').pluck(),
      countKeyPackages: p('SELECT last_resort, COUNT(*) AS n FROM key_packages WHERE device_id = ? AND suite = ? GROUP BY last_resort'),
    }
  }

  add(deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined, suite: number): void {
    this.#db.transaction(() => {
      for (const kp of oneTime) this.#s.insertKeyPackage.run(deviceId, 0, kp, suite)
      if (lastResort) {
        this.#s.deleteLastResort.run(deviceId, suite)
        this.#s.insertKeyPackage.run(deviceId, 1, lastResort, suite)
      }
    })()
  }

  claim(deviceId: DeviceId, lastResortOnly: boolean, suite: number): { keyPackage: Uint8Array; lastResort: boolean } | null {
    const one = lastResortOnly ? undefined : (this.#s.takeOneTime.get(deviceId, suite) as { data: Buffer } | undefined)
    if (one) return { keyPackage: new Uint8Array(one.data), lastResort: false }
    const last = this.#s.getLastResort.get(deviceId, suite) as Buffer | undefined
    return last ? { keyPackage: new Uint8Array(last), lastResort: true } : null
  }

  count(deviceId: DeviceId, suite: number): { oneTime: number; lastResort: boolean } {
    const rows = this.#s.countKeyPackages.all(deviceId, suite) as Array<{ last_resort: number; n: number }>
    return {
      oneTime: rows.find((r) => r.last_resort === 0)?.n ?? 0,
      lastResort: rows.some((r) => r.last_resort === 1 && r.n > 0),
    }
  }
}
