// What the page tells people beside their conversations: short notices that go by themselves
// (at most three at a time), and trust alerts that stay until dismissed.
import type { SecurityAlert } from '@candor/sdk'
import { CandorError } from '@candor/protocol'
import { alertText } from './alert-text.ts'
import { errorText } from './error-text.ts'

export interface Notice {
  id: number
  text: string
}

/** Something people must see: the key directory disagrees with what this device expects. */
export interface TrustAlert {
  id: number
  kind: SecurityAlert['kind'] | 'directory_check_failed'
  text: string
}

export class NoticeBoard {
  readonly #changed: () => void
  #notices: Notice[] = []
  #alerts: TrustAlert[] = []
  /** Notices and alerts share one counter, so no two have the same id. */
  #noticeId = 0

  /** `changed`: tells the views (the Messenger's own change). */
  constructor(changed: () => void) {
    this.#changed = changed
  }

  get notices(): readonly Notice[] {
    return this.#notices
  }
  get alerts(): readonly TrustAlert[] {
    return this.#alerts
  }

  notify(text: string): void {
    const id = ++this.#noticeId
    this.#notices = [...this.#notices, { id, text }].slice(-3)
    this.#changed()
    setTimeout(() => this.dismiss(id), 10_000)
  }

  dismissAlert(id: number): void {
    this.#alerts = this.#alerts.filter((a) => a.id !== id)
    this.#changed()
  }

  dismiss(id: number): void {
    this.#notices = this.#notices.filter((n) => n.id !== id)
    this.#changed()
  }

  /** A security alert from the SDK. */
  alert(a: SecurityAlert): void {
    this.#raise(a.kind, alertText(a))
  }

  /** Something that went wrong `where` (e.g. 'listing contact requests'). */
  problem(where: string, error: unknown): void {
    // A delivery kept for a retry, or one shown in its conversation as undecryptable: no toast.
    if (where.startsWith('processing message ')) {
      console.warn(`candor: ${where}:`, error)
      return
    }
    if (error instanceof CandorError && error.code === 'directory_proof_invalid') {
      this.#raise('directory_check_failed', `Key directory check failed while ${where}: ${error.message}. Do not trust new keys until this is resolved.`)
      return
    }
    console.warn(`candor: ${where}:`, error)
    this.notify(`Problem ${where}: ${errorText(error)}`)
  }

  #raise(kind: TrustAlert['kind'], text: string): void {
    if (this.#alerts.some((x) => x.text === text)) return
    this.#alerts = [...this.#alerts, { id: ++this.#noticeId, kind, text }]
    this.#changed()
  }
}
