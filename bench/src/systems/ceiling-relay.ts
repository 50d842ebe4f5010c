// The ceiling: the least a durable Node relay can do. Reads binary frames
// [u32 destination][payload], stores each message in SQLite (WAL; one transaction per
// event-loop turn), then forwards the frame by map lookup. A destination with the top bit
// set names a group (members given at connect time) and goes to every member but the sender.
// Built to plain JavaScript (bench/tsconfig.relay.json, by the bench's build step: build.ts) and
// run as its own process: node bench/dist/ceiling-relay.js --port 0 --db FILE [--sync FULL|NORMAL]
import { WebSocketServer, type WebSocket } from 'ws'
import Database from 'better-sqlite3'

const args = process.argv.slice(2)
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt
}

const db = new Database(flag('db', ':memory:'))
db.pragma('journal_mode = WAL')
db.pragma(`synchronous = ${flag('sync', 'FULL') === 'NORMAL' ? 'NORMAL' : 'FULL'}`)
db.exec('CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, sender INTEGER NOT NULL, dest INTEGER NOT NULL, payload BLOB NOT NULL)')
const insert = db.prepare('INSERT INTO messages (sender, dest, payload) VALUES (?, ?, ?)')

const GROUP_BIT = 0x80000000
const clients = new Map<number, WebSocket>()
const groups = new Map<number, number[]>()

interface Pending {
  sender: number
  dest: number
  frame: Buffer
}
let pending: Pending[] = []
let scheduled = false

const storeAll = db.transaction((batch: Pending[]) => {
  for (const p of batch) insert.run(p.sender, p.dest, p.frame.subarray(4))
})

function flush(): void {
  scheduled = false
  const batch = pending
  pending = []
  storeAll(batch)
  for (const p of batch) {
    if (p.dest >= GROUP_BIT) {
      for (const m of groups.get(p.dest - GROUP_BIT) ?? []) {
        if (m !== p.sender) clients.get(m)?.send(p.frame)
      }
    } else {
      clients.get(p.dest)?.send(p.frame)
    }
  }
}

const HELLO = Buffer.from([0])
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(flag('port', '0')), perMessageDeflate: false, backlog: 4096 })
wss.on('connection', (ws, req) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const id = Number(url.searchParams.get('id'))
  const group = url.searchParams.get('group')
  ;(req.socket as { setNoDelay(b: boolean): void }).setNoDelay(true)
  clients.set(id, ws)
  if (group !== null) {
    const g = Number(group)
    const list = groups.get(g) ?? []
    list.push(id)
    groups.set(g, list)
  }
  ws.on('message', (data: Buffer) => {
    if (data.length < 4) return
    pending.push({ sender: id, dest: data.readUInt32BE(0), frame: data })
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  })
  ws.on('close', () => {
    if (clients.get(id) === ws) clients.delete(id)
  })
  ws.send(HELLO)
})
wss.on('listening', () => {
  const a = wss.address()
  process.stdout.write(`ceiling relay listening on ${typeof a === 'object' && a ? a.port : a}\n`)
})
const stop = () => {
  wss.close()
  db.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
