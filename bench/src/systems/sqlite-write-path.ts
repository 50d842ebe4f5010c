// SQLite's share of Candor's 1:1 write path, without sockets: what SqliteStore costs per message.
// Each simulated event-loop turn does what a saturated node's turn does: the acks of the previous
// turn's deliveries (one call per recipient device, as connections send them) and one batch of B
// one-recipient messages (330-byte payloads, 200 devices in pairs) through appendMessages, which
// commits them together. Reports messages/s, CPU µs per message (this process: utime+stime, the
// checkpointer thread included) and bytes written per message (/proc/self/io).
// With --group N the messages go to groups of N devices instead (each to the N − 1 others, as in
// the group fan-out scenario: 2 groups), and the figures are per delivery.
// Run pinned like the server: taskset -c 0 npx tsx bench/src/systems/sqlite-write-path.ts
//   [--seconds 6] [--batch 16,64] [--group 100] [--store-module /abs/path/to/another/store-sqlite/src/index.ts]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { newDeviceId, newGroupId, newMessageId, type DeviceId } from '@candor/protocol'
import type { Delivery } from '@candor/ports'
import { flagReader } from '../flags.ts'
import { processCpuMs } from '../proc.ts'

const flag = flagReader(process.argv.slice(2))
const seconds = Number(flag('seconds', '6'))
const batchSizes = flag('batch', '16,64').split(',').map(Number)
/** Acks held for this many turns, then sent in one (what delaying ack deletes would save). */
const ackEvery = Number(flag('ack-every', '1'))
/** Group size (0: one-recipient messages between device pairs). */
const groupSize = Number(flag('group', '0'))

const writtenBytes = (): number => Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0)

async function one(batch: number): Promise<string> {
  const mod = (await import(flag('store-module', '@candor/store-sqlite'))) as typeof import('@candor/store-sqlite')
  const dir = mkdtempSync(join(tmpdir(), 'candor-sqlite-path-'))
  const store = mod.SqliteStore.open(join(dir, 'candor.db'))
  const devices: DeviceId[] = Array.from({ length: Math.max(200, 2 * groupSize) }, () => newDeviceId())
  const groups = devices.map(() => newGroupId())
  /** The recipients of a message from device i: its pair, or the other members of its group. */
  const recipientsOf = (i: number): DeviceId[] => {
    if (groupSize === 0) return [devices[i ^ 1]!]
    const first = i < groupSize ? 0 : groupSize
    return devices.slice(first, first + groupSize).filter((_, j) => j + first !== i)
  }
  const deliveries = (res: Array<{ deliveries: Delivery[] }>) => res.reduce((n, r) => n + r.deliveries.length, 0)
  const payload = randomBytes(330)
  let k = 0
  let pending: Delivery[] = []
  let turns = 0
  const turn = async (): Promise<number> => {
    const ackNow = ++turns % ackEvery === 0
    const acks = ackNow ? pending.map((d) => store.ack(d.deviceId, [d.seq])) : []
    const msgs = Array.from({ length: batch }, () => {
      const i = k++ % (groupSize === 0 ? devices.length : 2 * groupSize)
      const groupId = groupSize === 0 ? groups[i]! : groups[i < groupSize ? 0 : 1]!
      return { messageId: newMessageId(), groupId, sender: devices[i]!, kind: 0 as const, sentAt: Date.now(), payload, recipients: recipientsOf(i) }
    })
    const res = await store.appendMessages(msgs)
    await Promise.all(acks)
    if (ackNow) pending = []
    for (const r of res) pending.push(...r.deliveries)
    return deliveries(res)
  }
  const warm = performance.now() + 1000
  while (performance.now() < warm) await turn()
  const cpu0 = processCpuMs(process.pid)
  const io0 = writtenBytes()
  const t0 = performance.now()
  let n = 0
  while (performance.now() - t0 < seconds * 1000) n += await turn()
  const ms = performance.now() - t0
  const cpu = processCpuMs(process.pid) - cpu0
  const io = writtenBytes() - io0
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  return [
    `batch ${String(batch).padStart(3)}`,
    `${Math.round((n / ms) * 1000).toLocaleString('en-US').padStart(7)} ${unit}/s`,
    `CPU ${((cpu / n) * 1000).toFixed(1).padStart(5)} µs/${unit}`,
    `written ${Math.round(io / n).toLocaleString('en-US').padStart(6)} B/${unit}`,
  ].join('  ')
}

const unit = groupSize === 0 ? 'msg' : 'delivery'
const shape = groupSize === 0 ? 'one-recipient messages' : `messages to groups of ${groupSize}, per delivery`
process.stdout.write(`SQLite write path alone (${shape}, acks of the previous turn in the same transaction), ${seconds} s each\n`)
for (const b of batchSizes) process.stdout.write((await one(b)) + '\n')
