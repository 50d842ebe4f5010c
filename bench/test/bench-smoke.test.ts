// `npm run bench` must keep working when the protocol changes: every system and scenario runs
// for about a second through the real bench program, and each row must carry figures, not an
// error. The figures themselves mean nothing here (tiny sizes on a shared machine): performance
// claims come from full runs of the program, never from a test.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { natsAvailable, noNats } from '@candor/testkit/nats'
import { noDatabase, postgresAvailable } from '@candor/testkit/postgres'

const BENCH = fileURLToPath(new URL('../bin/candor-bench.js', import.meta.url))
const TINY = ['--quick', '--json', '--measure-ms', '1000', '--warmup-ms', '200', '--connections', '100', '--drain', '500', '--rate', '1000']

interface Row {
  scenario: string
  system: string
  deliveredPerSec: number | null
  serverCpuMsPer1k: number | null
  extra?: Record<string, number | string>
  error?: string
}

async function bench(args: string[]): Promise<Row[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [BENCH, ...TINY, ...args], { timeout: 840_000, maxBuffer: 16 * 1024 * 1024 })
  const last = stdout.trim().split('\n').at(-1)!
  return (JSON.parse(last) as { scenarios: Row[] }).scenarios
}

function expectFigures(rows: Row[], systems: string[], scenarios: string[]): void {
  for (const system of systems) {
    for (const scenario of scenarios) {
      const row = rows.find((r) => r.system === system && r.scenario === scenario)
      expect(row, `${system} / ${scenario}`).toBeDefined()
      expect(row!.error, `${system} / ${scenario}`).toBeUndefined()
      if (scenario === 'recovery') {
        expect(Number(row!.extra?.['recoveries']), `${system} / ${scenario}`).toBeGreaterThan(0)
        expect(row!.extra?.['hostileInGroupAtEnd'], `${system} / ${scenario}`).toBe('no')
        // The devices ran in several processes (the measured sender alone), their CPU summed and per device.
        expect(Number(row!.extra?.['procs']), `${system} / ${scenario} procs`).toBeGreaterThanOrEqual(2)
        for (const figure of ['recoverCpuSumMedianMs', 'recoverCpuPerDeviceMedianMs', 'recoverCpuPerDeviceMaxMs', 'recoverCpuSenderMedianMs']) {
          expect(Number(row!.extra?.[figure]), `${system} / ${scenario} ${figure}`).toBeGreaterThan(0)
        }
      }
      // What is measured is the product as deployed (`candor serve` from the built packages), not the bench's direct launcher.
      if (system === 'candor' && ['1to1-saturation', 'connection-storm', 'recovery'].includes(scenario)) expect(row!.extra?.['launcher'], `${system} / ${scenario}`).toBe('dist')
      if (system.startsWith('candor-pg')) expect(row!.extra?.['launcher'], `${system} / ${scenario}`).toBe('dist')
      if (scenario === 'connection-storm') expect(Number(row!.extra?.['connections']), `${system} / ${scenario}`).toBeGreaterThan(0)
      else expect(row!.deliveredPerSec, `${system} / ${scenario}`).toBeGreaterThan(0)
      if (scenario === 'mls' && system === 'candor') {
        // Per operation, in Node (wall and CPU) and in Chromium; the ceiling's CPU beside them.
        for (const figure of ['node.16.commit.ms', 'node.16.commit.cpuMs', 'node.128.process.cpuMs', 'node.128.join.ms', 'node.128.add100.ms', 'node.128.decrypt.ms', 'ceilingCpuMsPer1k']) {
          expect(Number(row!.extra?.[figure]), `${system} / ${scenario} ${figure}`).toBeGreaterThan(0)
        }
        // The post-quantum suite beside the classic one, and the bytes each puts on the wire.
        for (const figure of ['node.pq.16.commit.cpuMs', 'node.pq.128.commit.cpuMs', 'node.pq.128.join.cpuMs', 'node.pq.128.decrypt.ms']) {
          expect(Number(row!.extra?.[figure]), `${system} / ${scenario} ${figure}`).toBeGreaterThan(0)
        }
        for (const suite of ['classic', 'pq']) {
          for (const figure of ['keyPackageBytes', '128.commitBytes', '128.groupInfoBytes', '128.add100CommitBytes', '128.welcomeBytes']) {
            expect(Number(row!.extra?.[`sizes.${suite}.${figure}`]), `${system} / ${scenario} sizes.${suite}.${figure}`).toBeGreaterThan(0)
          }
        }
        // X-Wing keys are bigger than X25519's: a suite mix-up would show here.
        expect(Number(row!.extra?.['sizes.pq.keyPackageBytes'])).toBeGreaterThan(Number(row!.extra?.['sizes.classic.keyPackageBytes']))
        expect(Number(row!.extra?.['sizes.pq.128.groupInfoBytes'])).toBeGreaterThan(Number(row!.extra?.['sizes.classic.128.groupInfoBytes']))
        if (existsSync('/usr/bin/chromium')) {
          expect(Number(row!.extra?.['chromium.128.commit.ms']), `${system} / ${scenario} chromium`).toBeGreaterThan(0)
          expect(Number(row!.extra?.['chromium.pq.128.commit.ms']), `${system} / ${scenario} chromium pq`).toBeGreaterThan(0)
        }
        continue
      }
      // Search runs on the device: the server is idle by design (its CPU may round to 0).
      if (scenario === 'search') expect(Number(row!.extra?.['sqliteP50Ms']), `${system} / ${scenario}`).toBeGreaterThan(0)
      else expect(row!.serverCpuMsPer1k, `${system} / ${scenario}`).toBeGreaterThan(0)
    }
  }
}

// What bench/src/plan.ts runs each system through.
const CANDOR = ['1to1-saturation', '1to1-fixed-rate', 'group-fanout', 'offline-drain', 'connection-storm', 'recovery', 'attachments', 'search']
const CEILING = ['1to1-saturation', '1to1-fixed-rate', 'group-fanout', 'connection-storm']

describe('npm run bench (every system and scenario, about a second each)', () => {
  it('candor and the ceiling relay, every scenario each runs', async () => {
    // The directory and mls scenarios have tests of their own below.
    const rows = await bench(['--systems', 'candor,ceiling', '--scenarios', CANDOR.join(',')])
    expectFigures(rows, ['candor'], CANDOR)
    expectFigures(rows, ['ceiling'], CEILING)
  }, 900_000)

  it('the key directory scenario (in the load generator: both VRF paths, the same proofs)', async () => {
    const rows = await bench(['--systems', 'candor', '--scenarios', 'directory'])
    const row = rows.find((r) => r.system === 'candor' && r.scenario === 'directory')
    expect(row?.error).toBeUndefined()
    expect(row!.deliveredPerSec).toBeGreaterThan(0)
    for (const figure of ['nobleUpdatesPerSec', 'x25519UpdatesPerSec', 'nobleHashMs', 'x25519HashMs']) {
      expect(Number(row!.extra?.[figure]), figure).toBeGreaterThan(0)
    }
  }, 900_000)

  it('the MLS scenario (Node and Chromium, both suites, 16 and 128 members in --quick; the ceiling beside it)', async () => {
    // --verbose: the scenario's progress lines (fixture built, each size in Node, Chromium
    // launched, each size there) are on stderr, which a failure prints.
    const rows = await bench(['--systems', 'candor,ceiling', '--scenarios', 'mls', '--verbose'])
    expectFigures(rows, ['candor', 'ceiling'], ['mls'])
  }, 900_000)

  it('prosody (the 1:1 saturation it is measured in)', async (ctx) => {
    if (!existsSync('/usr/bin/prosody')) {
      const msg = '\n*** bench smoke: Prosody is not installed (apt-get install -y prosody); SKIPPING its rows ***\n'
      if (process.env['CI'] === 'true') throw new Error(msg)
      console.warn(msg)
      ctx.skip()
    }
    expectFigures(await bench(['--systems', 'prosody', '--scenarios', '1to1-saturation']), ['prosody'], ['1to1-saturation'])
  }, 900_000)

  it('candor on PostgreSQL and NATS, one and three nodes', async (ctx) => {
    if (!(await postgresAvailable())) {
      noDatabase('bench smoke (candor-pg1, candor-pg3)')
      ctx.skip()
    }
    if (!(await natsAvailable())) {
      noNats('bench smoke (candor-pg1, candor-pg3)')
      ctx.skip()
    }
    expectFigures(await bench(['--systems', 'candor-pg1,candor-pg3', '--scenarios', '1to1-saturation']), ['candor-pg1', 'candor-pg3'], ['1to1-saturation'])
  }, 900_000)
})
