// Getting a person's attention for new messages: a desktop notification when the page is in the
// background, a short sound (can be turned off), and the unread count in the tab's title and
// icon. Muted conversations do none of that. Permission is asked only when the person chooses
// to turn notifications on (the prompt in the shell or Settings), never on load. Settings are
// kept sealed in the device's local store like everything else. With notifications on, the
// device also subscribes to Web Push (push-subscription.ts) so it is woken while offline.
import type { LocalStore, MessageRecord } from '@candor/sdk'
import type { Messenger } from '../state/messenger.ts'
import { Observable } from '../state/observable.ts'
import { drawBadgeIcon } from './badge-icon.ts'
import { subscribePush, unsubscribePush } from './push-subscription.ts'

const SETTINGS_KEY = 'web/attention'
const BASE_TITLE = 'Candor'

interface Settings {
  /** Desktop notifications wanted (the browser's permission is asked separately). */
  notify: boolean
  sound: boolean
  /** The person dismissed the prompt to turn notifications on. */
  promptDismissed: boolean
}

const DEFAULTS: Settings = { notify: true, sound: true, promptDismissed: false }

export type Permission = NotificationPermission | 'unsupported'

export class Attention extends Observable {
  readonly #messenger: Messenger
  readonly #store: LocalStore
  #settings: Settings = DEFAULTS
  #unsubscribe: Array<() => void> = []
  #audio: AudioContext | undefined
  #shownIcon: string | undefined

  constructor(messenger: Messenger, store: LocalStore) {
    super()
    this.#messenger = messenger
    this.#store = store
  }

  get permission(): Permission {
    return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
  }
  get notify(): boolean {
    return this.#settings.notify
  }
  get sound(): boolean {
    return this.#settings.sound
  }
  /** Whether to offer turning notifications on: there is something to be notified of, and nobody decided yet. */
  get shouldPrompt(): boolean {
    return this.permission === 'default' && this.#settings.notify && !this.#settings.promptDismissed && this.#messenger.conversations.length > 0
  }
  /** Muted is the device's own conversation setting (the SDK's `features.mute`, never sent), one for the whole app. */
  isMuted(conversation: string): boolean {
    return this.#messenger.client.features.info(conversation).muted === true
  }

  async start(): Promise<void> {
    const saved = await this.#store.get(SETTINGS_KEY)
    if (saved) this.#settings = { ...DEFAULTS, ...(JSON.parse(saved) as Partial<Settings>) }
    this.#unsubscribe.push(
      this.#messenger.client.on('message', (m) => void this.#onMessage(m)),
      this.#messenger.subscribe(() => this.#showUnread()),
    )
    this.#showUnread()
    this.changed()
    if (this.#settings.notify && this.permission === 'granted') void subscribePush(this.#messenger.client)
  }

  stop(): void {
    for (const f of this.#unsubscribe.splice(0)) f()
  }

  /** Asks the browser for permission (call from a click); turns notifications on if granted. */
  async enable(): Promise<Permission> {
    if (this.permission === 'unsupported') return 'unsupported'
    const p = this.permission === 'default' ? await Notification.requestPermission() : this.permission
    await this.#save({ notify: p === 'granted', promptDismissed: true })
    if (p === 'granted') void subscribePush(this.#messenger.client)
    return p
  }

  async setNotify(on: boolean): Promise<void> {
    if (on) await this.enable()
    else {
      await this.#save({ notify: false })
      await unsubscribePush(this.#messenger.client)
    }
  }

  async setSound(on: boolean): Promise<void> {
    await this.#save({ sound: on })
  }

  async dismissPrompt(): Promise<void> {
    await this.#save({ promptDismissed: true })
  }

  async setMuted(conversation: string, muted: boolean): Promise<void> {
    await this.#messenger.client.features.mute(conversation, muted)
    this.changed()
    this.#showUnread()
  }

  async #save(patch: Partial<Settings>): Promise<void> {
    this.#settings = { ...this.#settings, ...patch }
    this.changed()
    await this.#store.put(SETTINGS_KEY, JSON.stringify(this.#settings))
  }

  async #onMessage(m: MessageRecord): Promise<void> {
    if (m.direction !== 'in' || m.kind !== undefined || this.isMuted(m.conversation)) return
    const hidden = document.visibilityState !== 'visible'
    if (!hidden && this.#messenger.openConversation === m.conversation) return
    if (this.#settings.sound) this.#beep()
    if (hidden && this.#settings.notify && this.permission === 'granted') await this.#show(m)
  }

  async #show(m: MessageRecord): Promise<void> {
    const title = m.from
    const options: NotificationOptions = {
      body: m.text !== '' ? m.text.slice(0, 140) : m.attachments?.length ? 'Sent a file' : 'New message',
      // One notification per conversation, replaced by the next.
      tag: `candor-${m.conversation}`,
      icon: 'icon-192.png',
      data: { url: `./#/c/${encodeURIComponent(m.conversation)}` },
    }
    try {
      // Through the service worker where there is one: the only way on Android, and its
      // notifications survive the tab.
      const reg = await activeRegistration()
      if (reg) await reg.showNotification(title, options)
      else {
        const n = new Notification(title, options)
        n.onclick = () => {
          focus()
          location.hash = `#/c/${encodeURIComponent(m.conversation)}`
        }
      }
    } catch (e) {
      console.warn('candor: notification not shown:', e)
    }
  }

  #beep(): void {
    try {
      this.#audio ??= new AudioContext()
      // Until the person has interacted with the page the browser keeps audio suspended: no sound then.
      if (this.#audio.state !== 'running') {
        void this.#audio.resume().catch(() => undefined)
        return
      }
      const t = this.#audio.currentTime
      const osc = this.#audio.createOscillator()
      const gain = this.#audio.createGain()
      osc.frequency.setValueAtTime(880, t)
      osc.frequency.setValueAtTime(660, t + 0.08)
      gain.gain.setValueAtTime(0.0001, t)
      gain.gain.exponentialRampToValueAtTime(0.15, t + 0.02)
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.2)
      osc.connect(gain).connect(this.#audio.destination)
      osc.start(t)
      osc.stop(t + 0.22)
    } catch {
      // No audio in this browser: nothing to play.
    }
  }

  /** The unread count of conversations not muted, in the title and the tab's icon. */
  #showUnread(): void {
    const n = this.#messenger.conversations.filter((c) => !this.isMuted(c.id)).reduce((sum, c) => sum + c.unread, 0)
    const title = n > 0 ? `(${n > 99 ? '99+' : n}) ${BASE_TITLE}` : BASE_TITLE
    if (document.title !== title) document.title = title
    const icon = n > 0 ? drawBadgeIcon(n) : 'icon.svg'
    if (icon === this.#shownIcon) return
    this.#shownIcon = icon
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]')
    if (!link) return
    link.type = n > 0 ? 'image/png' : 'image/svg+xml'
    link.href = icon
  }
}

/**
 * The service worker's registration once it is active: a worker still installing or activating
 * (just after an update, or a reload while offline) is waited for, briefly; without one the page
 * shows the notification itself.
 */
async function activeRegistration(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined
  const reg = await navigator.serviceWorker.getRegistration()
  if (!reg) return undefined
  if (reg.active) return reg
  const ready = navigator.serviceWorker.ready.then((r) => (r.active ? r : undefined))
  const late = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3_000))
  return Promise.race([ready, late])
}

const attentions = new WeakMap<Messenger, Attention>()

/**
 * The one Attention of a signed-in messenger, started on first use (by the shell, which passes
 * the store; later callers may leave it out).
 */
export function attentionFor(messenger: Messenger, store?: LocalStore): Attention {
  let a = attentions.get(messenger)
  if (!a) {
    if (!store) throw new Error('notifications are not started yet')
    a = new Attention(messenger, store)
    attentions.set(messenger, a)
    void a.start().catch((e: unknown) => console.warn('candor: notifications not started:', e))
  }
  return a
}
