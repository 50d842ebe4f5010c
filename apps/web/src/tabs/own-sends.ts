// Every tab shows what any of them sent: the leading tab's client announces each message it
// sends (whichever tab asked) as a `message` event, which the other tabs hear from it and its
// own Messenger takes in (a copy of a message it already lists, by id, is dropped).
import type { CandorClient, MessageRecord } from '@candor/sdk'

export function announceOwnSends(client: CandorClient): void {
  const announce =
    <A extends unknown[]>(f: (...a: A) => Promise<MessageRecord>) =>
    async (...a: A): Promise<MessageRecord> => {
      const r = await f(...a)
      client.emit('message', r)
      return r
    }
  client.send = announce(client.send.bind(client))
  client.sendFile = announce(client.sendFile.bind(client))
  client.features.reply = announce(client.features.reply.bind(client.features))
}
