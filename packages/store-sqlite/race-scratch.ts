import { SqliteStore } from './src/sqlite-store.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newGroupId, newMessageId, randomBytes } from '@candor/protocol'
const dir = mkdtempSync(join(tmpdir(), 'race-'))
const store = SqliteStore.open(join(dir, 'x.db'))
let stop = false
const writer = async () => {
  while (!stop) {
    const fill = Array.from({ length: 20 }, () => ({ messageId: newMessageId(), groupId: newGroupId(), sender: 'S', kind: 0, sentAt: 1, payload: randomBytes(1024), recipients: ['B'] }))
    await store.appendMessages(fill as any)
    await new Promise((r) => setTimeout(r, 1))
  }
}
const w = writer()
for (let i = 0; i < 100; i++) {
  await new Promise((r) => setTimeout(r, 37))
  await store.purgeDeleted()
}
stop = true
await w
await store.close()
