#!/usr/bin/env node
// The echo bot: a real end-to-end-encrypted member of the conversations people start with it.
// It is a device like any other — its keys are made and kept here, in its home folder, and
// proven in the key directory — and its user id is in the `bot.` namespace, so its directory
// entry says it is a bot and "Who can read this?" shows it as one. It accepts every contact
// request and answers each text with "echo: <text>".
//
//   node bot.js <server-url> [home-folder] [bot.user-id]
//
// Plain Node (no TypeScript, no build): it uses the packed @candor packages (README.md).
import { CandorClient } from '@candor/sdk'
import { nodeClientOptions } from '@candor/sdk/node'

const [server, home = './echo-bot-home', userId = 'bot.echo'] = process.argv.slice(2)
if (!server || !userId.startsWith('bot.')) {
  console.error('usage: node bot.js <server-url> [home-folder] [bot.user-id (starts with "bot.")]')
  process.exit(2)
}

const log = (event, fields = {}) => console.log(JSON.stringify({ event, ...fields }))
const report = (where) => (error) => log('error', { where, message: error instanceof Error ? error.message : String(error) })

const options = nodeClientOptions(server, home)
// The same device every time it starts: registered once, then opened from its home folder.
let client = await CandorClient.open(options)
if (!client) {
  client = await CandorClient.register(options, userId, 'echo bot')
  await client.setDisplayName('Echo bot')
  log('registered', { userId: client.userId, deviceId: client.deviceId })
}

const accept = (requestId, from) =>
  client.requests.accept(requestId).then(() => log('accepted', { from }), report(`accepting ${from}`))

// Someone new starts a conversation: it arrives as a contact request, held until accepted.
client.on('request', (r) => void accept(r.requestId, r.from))
client.on('message', (m) => {
  // Only what a person wrote (not notices such as timers or resets, nor its own messages).
  if (m.direction !== 'in' || m.kind !== undefined || !m.text) return
  client.send(m.conversation, `echo: ${m.text}`).then(() => log('echoed', { from: m.from }), report(`answering ${m.from}`))
})
client.on('error', (e) => report(e.where)(e.error))
client.on('session_ended', (e) => {
  log('session_ended', { reason: e.reason })
  process.exit(1)
})

await client.connect()
// Requests that came while it was not running.
for (const r of await client.requests.list()) await accept(r.requestId, r.from)
log('ready', { userId: client.userId })

const stop = () => {
  client.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
