// Shared shapes of a scenario run on the load-generator side.
import type { Driver } from '../drivers/driver.ts'

/** Called at the edges of the measured window; resolves once the orchestrator has sampled. */
export type Mark = (name: 'measure-start' | 'measure-end') => Promise<void>

export interface LoadResult {
  deliveredPerSec?: number
  p50Ms?: number
  p99Ms?: number
  p999Ms?: number
  /** Messages handed to the system during the measured window. */
  sent?: number
  delivered?: number
  refused?: number
  /** Scenario-specific figures (drain time, storm time, …). */
  extra?: Record<string, number | string>
}

export interface ScenarioContext {
  driver: Driver
  mark: Mark
  log: (s: string) => void
  /** Processes the scenario started that generate load too (their CPU is the load generator's, not "others"). */
  pids?: (pids: number[]) => void
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
