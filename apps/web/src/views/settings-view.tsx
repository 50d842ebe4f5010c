// Settings: this person's devices (approve new ones, revoke old ones), their data (access
// receipts, consents, export, deletion) and this browser's copy.
import { useEffect, useState } from 'preact/hooks'
import type { DeviceInfo } from '@candor/protocol'
import { DeviceCode } from '../components/device-code.tsx'
import { DisplayNameForm } from '../components/display-name-form.tsx'
import { AvatarForm } from '../components/avatar-form.tsx'
import { InviteLinks } from '../components/invite-links.tsx'
import { NotificationSettings } from '../components/notification-settings.tsx'
import { formatDateTime } from '../components/time.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { eraseThisBrowser } from '../state/session.ts'
import type { IndexedDbLocalStore } from '../storage/indexeddb-local-store.ts'
import { PaneHeader } from './conversation-view.tsx'
import { YourData } from './your-data.tsx'
import { RecoverySettings } from '../components/recovery-settings.tsx'
import { HistoryProgressBar } from '../components/history-progress.tsx'
import type { HistoryProgress } from '@candor/sdk'

export function SettingsView({ messenger, store }: { messenger: Messenger; store: IndexedDbLocalStore }) {
  const client = messenger.client
  const [devices, setDevices] = useState<DeviceInfo[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState<string | null>(null)
  const [tick, setTick] = useState(0)
  const pending = messenger.pendingEnrolments
  // Offer the new device the history this one holds (docs/protocol.md §4.2): how far back.
  const [historyBack, setHistoryBack] = useState<'all' | '30' | '7' | 'none'>('all')
  const [transfer, setTransfer] = useState<HistoryProgress | null>(null)
  const since = (): number | null | undefined => (historyBack === 'none' ? undefined : historyBack === 'all' ? null : Date.now() - Number(historyBack) * 86_400_000)

  useEffect(() => {
    client
      .devices()
      .then(setDevices)
      .catch((e: unknown) => setError(errorText(e)))
    void messenger.refreshEnrolments()
  }, [tick])

  const act = async (what: string, f: () => Promise<void>) => {
    setBusy(what)
    setError(null)
    try {
      await f()
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(null)
      setTick((n) => n + 1)
    }
  }

  return (
    <section class="pane" aria-labelledby="settings-title">
      <PaneHeader title="Settings" titleId="settings-title" />
      <div class="pad stack scroll">
        <p>
          Signed in as <strong>{client.userId}</strong>. This device’s code: <DeviceCode deviceId={client.deviceId} />
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <DisplayNameForm messenger={messenger} />
        <AvatarForm messenger={messenger} />
        <InviteLinks messenger={messenger} />

        {pending.length > 0 && (
          <section aria-labelledby="requests-title" class="card inset">
            <h3 id="requests-title">Devices asking to join</h3>
            <p class="muted small">
              Approve only if the code matches the one on your new device. It will be able to read your conversations from now on. If you did
              not ask for it, deny it: anyone can file a request, and it is gone after ten minutes anyway.
            </p>
            <ul class="device-list">
              {pending.map((d) => (
                <li key={d.deviceId} data-testid="enrolment-request">
                  <span class="grow">
                    <strong>{d.name}</strong> <DeviceCode deviceId={d.deviceId} />
                    <span class="muted small"> requested {formatDateTime(d.createdAt)}</span>
                  </span>
                  <button
                    type="button"
                    class="primary"
                    disabled={busy !== null}
                    onClick={() =>
                      void act(`approve ${d.deviceId}`, async () => {
                        const s = since()
                        await messenger.approve(d.deviceId, s === undefined ? {} : { history: { since: s }, onProgress: setTransfer })
                        setTransfer(null)
                      })
                    }
                  >
                    {busy === `approve ${d.deviceId}` ? 'Approving…' : 'Approve'}
                  </button>
                  <button
                    type="button"
                    class="danger-text"
                    disabled={busy !== null}
                    aria-label={`Deny ${d.name}`}
                    onClick={() => void act(`deny ${d.deviceId}`, () => messenger.deny(d.deviceId))}
                  >
                    {busy === `deny ${d.deviceId}` ? 'Denying…' : 'Deny'}
                  </button>
                </li>
              ))}
            </ul>
            <label class="small">
              Send it your history:{' '}
              <select name="historyBack" value={historyBack} onChange={(e) => setHistoryBack(e.currentTarget.value as typeof historyBack)}>
                <option value="all">all of it</option>
                <option value="30">the last 30 days</option>
                <option value="7">the last 7 days</option>
                <option value="none">none</option>
              </select>
            </label>
            {transfer && <HistoryProgressBar progress={transfer} />}
          </section>
        )}

        <section aria-labelledby="devices-title">
          <h3 id="devices-title">Your devices</h3>
          {devices === null ? (
            <p class="muted" role="status">
              Loading…
            </p>
          ) : (
            <ul class="device-list" data-testid="devices">
              {devices.map((d) => (
                <li key={d.deviceId} data-testid="device" data-status={d.status}>
                  <span class="grow">
                    <strong>{d.name}</strong> <DeviceCode deviceId={d.deviceId} />
                    {d.deviceId === client.deviceId && <span class="tag">this device</span>}
                    <span class={`tag ${d.status}`}>{d.status}</span>
                    <span class="muted small"> added {formatDateTime(d.createdAt)}</span>
                  </span>
                  {d.deviceId !== client.deviceId && d.status === 'active' && (
                    <button
                      type="button"
                      class="danger-text"
                      disabled={busy !== null}
                      aria-label={`Revoke ${d.name}`}
                      onClick={() =>
                        confirm(`Revoke “${d.name}”? It will be removed from all your conversations and signed out.`) &&
                        void act(`revoke ${d.deviceId}`, () => client.revoke(d.deviceId))
                      }
                    >
                      {busy === `revoke ${d.deviceId}` ? 'Revoking…' : 'Revoke'}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>

        <RecoverySettings client={client} />
        <NotificationSettings messenger={messenger} store={store} />

        <YourData messenger={messenger} store={store} />

        <section aria-labelledby="browser-title">
          <h3 id="browser-title">This browser</h3>
          <p class="muted small">
            Your device key, conversations and history are kept in this browser’s storage, sealed with a key the browser will not let
            any script read out. The theme follows your system’s light or dark setting.
          </p>
          <button
            type="button"
            class="danger-text"
            onClick={() =>
              confirm('Erase Candor from this browser? Its keys and history here are deleted; revoke it from another device too.') &&
              void (messenger.stop(), eraseThisBrowser(store))
            }
          >
            Erase this browser’s copy
          </button>
        </section>
      </div>
    </section>
  )
}
