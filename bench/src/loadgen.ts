// The load generator: its own process, pinned to CPU 1 by the orchestrator. Receives one job
// over IPC, drives the system under test through its driver, reports marks and the result.
import type { Driver } from './drivers/driver.ts'
import type { LoadResult, ScenarioContext } from './scenarios/common.ts'
import type { SystemName } from './systems/system.ts'

export type ScenarioName = '1to1-saturation' | '1to1-fixed-rate' | 'group-fanout' | 'offline-drain' | 'connection-storm' | 'recovery' | 'attachments' | 'search' | 'directory' | 'mls'

export interface Job {
  system: SystemName
  port: number
  /** All nodes' ports, for a system of several nodes. */
  ports?: number[] | undefined
  info: Record<string, string>
  scenario: ScenarioName
  params: Record<string, unknown>
}

export type ToOrchestrator =
  | { type: 'mark'; name: string }
  | { type: 'log'; text: string }
  | { type: 'result'; result: LoadResult }
  | { type: 'error'; message: string }
  | { type: 'pids'; pids: number[] }
export type ToLoadgen = { type: 'job'; job: Job } | { type: 'marked' }

// Load (and transpile) every driver and scenario while the orchestrator starts the server.
const preload = Promise.all([
  import('./drivers/ceiling.ts'),
  import('./drivers/xmpp.ts'),
  import('./drivers/candor.ts'),
  import('./scenarios/one-to-one.ts'),
  import('./scenarios/fanout.ts'),
  import('./scenarios/offline-drain.ts'),
  import('./scenarios/storm.ts'),
]).catch(() => undefined)

function send(m: ToOrchestrator): void {
  process.send?.(m)
}

async function makeDriver(job: Job): Promise<Driver> {
  switch (job.system) {
    case 'ceiling': {
      const { CeilingDriver } = await import('./drivers/ceiling.ts')
      return new CeilingDriver(job.port)
    }
    case 'prosody': {
      const { XmppDriver } = await import('./drivers/xmpp.ts')
      return new XmppDriver(job.port, job.info.domain ?? 'bench.localhost')
    }
    case 'candor':
    case 'candor-pg1':
    case 'candor-pg3':
    case 'candor-pg3-spread': {
      const { CandorDriver } = await import('./drivers/candor.ts')
      return new CandorDriver(job.ports ?? [job.port])
    }
  }
}

async function run(job: Job): Promise<LoadResult> {
  await preload
  const driver = await makeDriver(job)
  let waiting: (() => void) | undefined
  process.on('message', (m: ToLoadgen) => {
    if (m.type === 'marked') waiting?.()
  })
  const ctx: ScenarioContext = {
    driver,
    log: (text) => send({ type: 'log', text }),
    pids: (pids) => send({ type: 'pids', pids }),
    mark: (name) =>
      new Promise<void>((resolve) => {
        waiting = resolve
        send({ type: 'mark', name })
      }),
  }
  const p = job.params as never
  try {
    switch (job.scenario) {
      case '1to1-saturation':
      case '1to1-fixed-rate': {
        const { oneToOne } = await import('./scenarios/one-to-one.ts')
        return await oneToOne(ctx, p)
      }
      case 'group-fanout': {
        const { fanout } = await import('./scenarios/fanout.ts')
        return await fanout(ctx, p)
      }
      case 'offline-drain': {
        const { offlineDrain } = await import('./scenarios/offline-drain.ts')
        return await offlineDrain(ctx, p)
      }
      case 'connection-storm': {
        const { storm } = await import('./scenarios/storm.ts')
        return await storm(ctx, p)
      }
      case 'recovery': {
        // Real SDK clients (MLS and all): the raw driver is not used.
        const { recoveryScenario } = await import('./scenarios/recovery.ts')
        return await recoveryScenario(ctx, p, job.port)
      }
      case 'attachments': {
        // Real SDK clients (files encrypted and decrypted on their side): the raw driver is not used.
        const { attachmentsScenario } = await import('./scenarios/attachments.ts')
        return await attachmentsScenario(ctx, p, job.port)
      }
      case 'search': {
        // On the device only (search never reaches the server): the SDK's indexes, no driver traffic.
        const { searchScenario } = await import('./scenarios/search.ts')
        return await searchScenario(ctx, p)
      }
      case 'mls': {
        // The ceiling relay runs a short 1:1 saturation (its CPU per message, for scale); Candor's
        // run times MLS operations in this process and in Chromium, no driver traffic (issue 18).
        if (job.system === 'ceiling') {
          const { oneToOne } = await import('./scenarios/one-to-one.ts')
          return await oneToOne(ctx, p)
        }
        const { mlsScenario } = await import('./scenarios/mls.ts')
        return await mlsScenario(ctx, p)
      }
      case 'directory': {
        // In this process: the key directory's publish path and VRF costs (issue 18), no driver traffic.
        const { directoryScenario } = await import('./scenarios/directory.ts')
        return await directoryScenario(ctx, p)
      }
    }
  } finally {
    await driver.close()
  }
}

// Profiled (`--cpu-prof DIR`): stopped by SIGTERM, exit so Node writes the profile.
if (process.execArgv.includes('--cpu-prof')) process.once('SIGTERM', () => process.exit(143))

process.once('message', (m: ToLoadgen) => {
  if (m.type !== 'job') return
  run(m.job).then(
    (result) => {
      send({ type: 'result', result })
      process.disconnect?.()
      setTimeout(() => process.exit(0), 100)
    },
    (e: unknown) => {
      send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) })
      process.disconnect?.()
      setTimeout(() => process.exit(1), 100)
    },
  )
})
