// What every admin console screen shares: loading something from the admin API, and running an
// action with a busy state and a clear error (the server's refusal in plain words).
import { useEffect, useState } from 'preact/hooks'
import { CandorError, JUSTIFICATIONS, allowedIn, type AccessReason, type AdminRecordInfo, type Justification, type OrgId, type Permission } from '@candor/protocol'
import { errorText } from '../state/error-text.ts'

export interface Loaded<T> {
  value: T | null
  error: string | null
  reload(): void
}

/** Loads `f()` on mount and on `reload()`; `deps` reload it too. */
export function useLoad<T>(f: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [value, setValue] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setError(null)
    f()
      .then((v) => live && setValue(v))
      .catch((e: unknown) => live && setError(adminErrorText(e)))
    return () => {
      live = false
    }
  }, [tick, ...deps])
  return { value, error, reload: () => setTick((n) => n + 1) }
}

export interface Action {
  busy: string | null
  error: string | null
  message: string | null
  /** Runs `f` under the label `what`; its returned text (if any) is shown as the outcome. */
  run(what: string, f: () => Promise<string | void>): Promise<void>
  clear(): void
}

export function useAction(after?: () => void): Action {
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  return {
    busy,
    error,
    message,
    clear: () => {
      setError(null)
      setMessage(null)
    },
    async run(what, f) {
      setBusy(what)
      setError(null)
      setMessage(null)
      try {
        const m = await f()
        if (m) setMessage(m)
      } catch (e) {
        setError(adminErrorText(e))
      } finally {
        setBusy(null)
        after?.()
      }
    },
  }
}

/** Whether the server refused because the organisation's policy needs a second admin's approval. */
export function needsApproval(e: unknown): boolean {
  return e instanceof CandorError && e.code === 'forbidden' && e.details?.['approvalRequired'] === true
}

export function adminErrorText(e: unknown): string {
  if (e instanceof CandorError) {
    if (needsApproval(e)) return 'The organisation’s policy needs a second admin’s approval for this. Ask for it below.'
    if (e.code === 'forbidden') return `Your role does not allow this: ${e.message}`
    if (e.code === 'policy_invalid' || e.code === 'receipt_invalid') return `Verification failed — not shown: ${e.message}`
  }
  return errorText(e)
}

export const JUSTIFICATION_LABELS: Record<Justification, string> = {
  support_request: 'Support request',
  security_investigation: 'Security investigation',
  abuse_report: 'Abuse report',
  legal_obligation: 'Legal obligation',
  legal_hold: 'Legal hold',
  compliance_export: 'Compliance export',
  account_recovery: 'Account recovery',
  subject_request: 'The person’s own request',
}
export { JUSTIFICATIONS }
export type Reason = Pick<AccessReason, 'why' | 'case'>

/**
 * Whether this admin's role holds the permission in the organisation (the one table,
 * @candor/protocol admin-permissions.ts). Screens leave out controls it does not hold; the server
 * checks every call anyway.
 */
export function may(me: AdminRecordInfo, org: string, p: Permission): boolean {
  return allowedIn(me, org as OrgId, p)
}
