// Test support: finds the test nats-server, starting it once if it is down. Tests skip
// loudly without one, except under CI where a missing server fails the run.
import { execSync } from 'node:child_process'
import { connect } from 'nats'

export const TEST_NATS_URL = 'nats://127.0.0.1:4222'

async function reachable(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 2000, maxReconnectAttempts: 0 })
    await nc.close()
    return true
  } catch {
    return false
  }
}

export async function natsAvailable(url = TEST_NATS_URL): Promise<boolean> {
  if (await reachable(url)) return true
  try {
    execSync(
      'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server',
      { stdio: 'ignore', timeout: 10_000 },
    )
  } catch {
    // Fall through: the probe below decides.
  }
  for (let i = 0; i < 20; i++) {
    if (await reachable(url)) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

export function noNats(what: string): void {
  const msg = `\n*** ${what}: nats-server unreachable at ${TEST_NATS_URL}; SKIPPING these tests ***\n`
  if (process.env['CI'] === 'true') throw new Error(msg)
  console.warn(msg)
}
