// A server under test, started by the orchestrator pinned to CPU 0.
export interface SystemHandle {
  readonly name: SystemName
  readonly pid: number
  readonly port: number
  /** Extra facts the load generator needs (e.g. the XMPP domain). */
  readonly info: Record<string, string>
  stop(): Promise<void>
}

export type SystemName = 'candor' | 'ceiling' | 'prosody'

export const SERVER_CPU = 0
export const LOADGEN_CPU = 1
