// `candor safety <user>`: the safety number with another user, from both users' directory-proven keys.
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export async function safety(g: GlobalFlags, userId: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const { number, qr } = await client.safetyNumber(userId)
    if (g.json) printJson({ user: userId, safetyNumber: number, qr })
    else {
      process.stdout.write(`safety number with ${userId} (compare it with theirs, in person or on a call):\n\n  ${number}\n\n`)
      process.stdout.write(`QR payload: ${qr}\n`)
    }
  } finally {
    client.close()
  }
  return 0
}
