// `candor safety <user>`: the safety number with another user, from both users' directory-proven keys.
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export async function safety(g: GlobalFlags, userId: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const { number, qr, organisation } = await client.safetyNumber(userId)
    const identity = await client.verifiedIdentityOf(userId)
    if (g.json) printJson({ user: userId, organisation, ...(identity ? { identity } : {}), safetyNumber: number, qr })
    else {
      // The organisation (and the identity its provider vouched for) come from the same directory proof as the keys.
      process.stdout.write(`${userId}: ${organisation === null ? 'a guest (no organisation)' : `organisation ${organisation}`}, proven by the key directory\n`)
      if (identity) process.stdout.write(`  signed in as ${identity.email} at ${identity.issuer} (subject ${identity.subject})\n`)
      process.stdout.write(`safety number with ${userId} (compare it with theirs, in person or on a call):\n\n  ${number}\n\n`)
      process.stdout.write(`QR payload: ${qr}\n`)
    }
  } finally {
    client.close()
  }
  return 0
}
