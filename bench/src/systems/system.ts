// A server under test, started by the orchestrator pinned to CPU 0.
export interface SystemHandle {
  readonly name: SystemName
  readonly pid: number
  readonly port: number
  /** Every node's port, where the system has several (devices are spread over them). */
  readonly ports?: number[]
  /** Every server-side process whose CPU and RSS count (default: just pid). */
  readonly serverPids?: () => number[]
  /** Server-side processes by part (e.g. nodes, postgres, nats): CPU per 1k is reported for each. */
  readonly cpuGroups?: () => Record<string, number[]>
  /** Resident memory of the server side in MB, where summing VmRSS would overcount (shared memory). */
  readonly rssMb?: () => number
  /** Cumulative counters read at both edges of the window; their deltas per 1k messages are reported. */
  readonly counters?: () => Record<string, number>
  /** Extra facts the load generator needs (e.g. the XMPP domain). */
  readonly info: Record<string, string>
  stop(): Promise<void>
}

export type SystemName = 'candor' | 'ceiling' | 'prosody' | 'candor-pg1' | 'candor-pg3' | 'candor-pg3-spread'

export const SERVER_CPU = 0
export const LOADGEN_CPU = 1
