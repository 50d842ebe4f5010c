// Which scenarios run against which systems, and at what size (full or --quick).
import type { ScenarioName } from './loadgen.ts'
import type { SystemName } from './systems/system.ts'

export interface Sizes {
  quick: boolean
  payloadBytes: number
  warmupMs: number
  measureMs: number
  rate: number
  connections: number
  drainMessages: number
  /** Recovery: an honest member chats this often (0: no chat, only the probes; a diagnostic, not the figure). */
  recoveryChatMs: number
  /** Worker processes for the recovery scenario's honest devices (besides the measured sender's); 0: the machine's cores. */
  recoveryProcs: number
}

export interface PlannedScenario {
  scenario: ScenarioName
  systems: SystemName[]
  params: Record<string, unknown>
  /** What a delivered message means for CPU per 1,000: a message, or one member reached. */
  unit: 'message' | 'delivery' | 'connection' | 'MiB'
}

export function defaultSizes(quick: boolean): Sizes {
  return {
    quick,
    payloadBytes: 330,
    warmupMs: quick ? 500 : 3000,
    measureMs: quick ? 1500 : 15_000,
    rate: 20_000,
    // The hard open-files limit here is 20,000 per process (no CAP_SYS_RESOURCE); the server
    // needs a few dozen descriptors of its own, so 19,900 is the most one server can hold.
    connections: quick ? 300 : 19_900,
    drainMessages: quick ? 10_000 : 100_000,
    recoveryChatMs: quick ? 100 : 500,
    recoveryProcs: 0,
  }
}

export function plan(s: Sizes): PlannedScenario[] {
  const common = { payloadBytes: s.payloadBytes, warmupMs: s.warmupMs, measureMs: s.measureMs }
  return [
    {
      scenario: '1to1-saturation',
      // candor-pg* (PostgreSQL + NATS, 1 or 3 nodes) run only when --systems names them.
      systems: ['ceiling', 'prosody', 'candor', 'candor-pg1', 'candor-pg3', 'candor-pg3-spread'],
      params: { ...common, clients: 200, mode: 'saturation', window: 4, rate: 0 },
      unit: 'message',
    },
    {
      scenario: '1to1-fixed-rate',
      systems: ['ceiling', 'candor'],
      params: { ...common, clients: 200, mode: 'fixed-rate', window: 0, rate: s.rate },
      unit: 'message',
    },
    {
      scenario: 'group-fanout',
      systems: ['ceiling', 'candor'],
      params: { ...common, clients: 200, groupSize: 100, window: 8 },
      unit: 'delivery',
    },
    {
      scenario: 'offline-drain',
      systems: ['candor'],
      params: { payloadBytes: s.payloadBytes, messages: s.drainMessages, senders: 50 },
      unit: 'message',
    },
    {
      scenario: 'recovery',
      systems: ['candor'],
      params: { members: s.quick ? 5 : 50, attackMs: s.quick ? 2000 : 30_000, chatEveryMs: s.recoveryChatMs, ...(s.recoveryProcs > 0 ? { procs: s.recoveryProcs } : {}) },
      unit: 'message',
    },
    {
      // A file up and down through the server (docs/protocol.md §2.4); its CPU is per MiB moved.
      scenario: 'attachments',
      systems: ['candor'],
      params: { mib: s.quick ? 4 : 100 },
      unit: 'MiB',
    },
    {
      // Full-text search on the device over a history of 100,000 messages (issue 15: < 50 ms).
      scenario: 'search',
      systems: ['candor'],
      params: { messages: s.quick ? 5_000 : 100_000, queries: s.quick ? 40 : 400 },
      unit: 'message',
    },
    {
      // The key directory's publish path, portable VRF beside the server's (issue 18: ≥ 1,000/s).
      scenario: 'directory',
      systems: ['candor'],
      params: { updates: s.quick ? 300 : 3_000, rounds: s.quick ? 1 : 3, lookupEntries: s.quick ? 10_000 : 100_000, lookupEpochs: s.quick ? 200 : 1_000, people: s.quick ? 15 : 40, catchUpEntries: s.quick ? 20_000 : 100_000 },
      unit: 'message',
    },
    {
      // MLS operations on the client, Node and Chromium, in both suites (issue 18 "MLS on the client"). The
      // ceiling relay's params are a short 1:1 saturation: its CPU per message is the scale.
      scenario: 'mls',
      systems: ['ceiling', 'candor'],
      params: {
        ...common,
        warmupMs: s.quick ? 200 : 1000,
        measureMs: s.quick ? 1000 : 5000,
        clients: 200,
        mode: 'saturation',
        window: 4,
        rate: 0,
        sizes: s.quick ? [16, 128] : [16, 128, 1000],
        // The post-quantum suite new conversations use, beside the classic one (issue 18
        // "Post-quantum by default"); 1,000 only on request (CANDOR_BENCH_MLS_PQ_SIZES).
        pqSizes: [16, 128],
        reps: s.quick ? 2 : 7,
        bigReps: 3,
        newcomers: 100,
        browser: true,
      },
      unit: 'message',
    },
    {
      scenario: 'connection-storm',
      systems: ['ceiling', 'candor'],
      params: { connections: s.connections, settleMs: s.quick ? 500 : 3000 },
      unit: 'connection',
    },
  ]
}
