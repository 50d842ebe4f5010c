// timer: show or set a conversation's disappearing-messages timer.
import { parseTimer, formatTimer } from '@candor/sdk'
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'
import { resolveConversation } from './messaging.ts'

/** With a duration (30s, 5m, 1h, 7d, off) sets the timer; without one, shows it. */
export async function timer(g: GlobalFlags, target: string, duration: string | undefined): Promise<number> {
  // Parsed before connecting: a typo changes nothing.
  const seconds = duration === undefined ? undefined : parseTimer(duration)
  const client = await connectedDevice(g)
  try {
    const conversation = await resolveConversation(client, target)
    if (seconds === undefined) {
      const here = client.conversations().find((c) => c.id === conversation)?.timer ?? null
      const server = await client.disappearingTimer(conversation)
      if (g.json) printJson({ conversation, timerMs: here, serverTimerMs: server })
      else {
        process.stdout.write(`disappearing messages in ${conversation}: ${formatTimer(here)}\n`)
        if (server !== here) process.stdout.write(`  (the server applies ${formatTimer(server)})\n`)
      }
      return 0
    }
    const applied = await client.setDisappearingTimer(conversation, seconds)
    if (g.json) printJson({ conversation, timerMs: applied })
    else process.stdout.write(applied === null ? `disappearing messages off in ${conversation}\n` : `messages in ${conversation} now disappear after ${formatTimer(applied)}\n`)
  } finally {
    client.close()
  }
  return 0
}
