// Audit streaming: where the organisation's audit trail is sent as it grows (docs/organisations.md
// §Audit trail) — a syslog collector (RFC 5424 over TLS, RFC 5425; plain TCP for a loopback
// collector only) and an HTTPS webhook, each trusting a private CA's certificate when given — and
// how each destination has fared on this server since it started: the last entry it accepted,
// the last error, entries waiting for a retry or given up. Owners only (`siem.manage`); the
// settings hold no secret. Saving writes an audit entry, which goes to the new destinations too.
import { useEffect, useState } from 'preact/hooks'
import type { SiemDelivery, SiemSettings, SiemSettingsInput } from '@candor/protocol'
import { formatDateTime } from '../components/time.ts'
import type { AdminScreenProps } from './admin-console.tsx'
import { AdminOutcome } from './admin-outcome.tsx'
import { useAction, useLoad } from './use-admin.ts'

interface Form {
  syslogOn: boolean
  host: string
  port: string
  tls: boolean
  syslogCa: string
  webhookOn: boolean
  url: string
  webhookCa: string
}

const fromSettings = (s: SiemSettings | null): Form => ({
  syslogOn: Boolean(s?.syslog),
  host: s?.syslog?.host ?? '',
  port: s?.syslog ? String(s.syslog.port) : '6514',
  tls: s?.syslog?.tls ?? true,
  syslogCa: s?.syslog?.ca ?? '',
  webhookOn: Boolean(s?.webhook),
  url: s?.webhook?.url ?? '',
  webhookCa: s?.webhook?.ca ?? '',
})

/** The settings the form says, each destination only when switched on. */
function toSettings(f: Form): SiemSettingsInput {
  return {
    ...(f.syslogOn ? { syslog: { host: f.host.trim(), port: Number(f.port), tls: f.tls, ...(f.syslogCa.trim() ? { ca: f.syslogCa.trim() } : {}) } } : {}),
    ...(f.webhookOn ? { webhook: { url: f.url.trim(), ...(f.webhookCa.trim() ? { ca: f.webhookCa.trim() } : {}) } } : {}),
  }
}

function DeliveryRow({ kind, d, onRemove, busy }: { kind: 'syslog' | 'webhook'; d: SiemDelivery; onRemove: () => void; busy: boolean }) {
  const label = kind === 'syslog' ? 'Syslog collector' : 'HTTPS webhook'
  return (
    <tr data-destination={kind} data-last-delivered={d.lastDelivered ?? ''} data-retrying={d.retrying} data-failed={d.failed}>
      <th scope="row">
        {label}
        <br />
        <code class="admin-wrap">{d.target}</code>
      </th>
      <td>{d.lastDelivered === null ? 'nothing yet' : `entry ${d.lastDelivered}, ${formatDateTime(d.lastDeliveredAt!)}`}</td>
      <td class="admin-wrap">{d.lastError === null ? 'none' : `${d.lastError} (${formatDateTime(d.lastErrorAt!)})`}</td>
      <td>
        {d.retrying} waiting to retry; {d.failed} given up
      </td>
      <td>
        <button type="button" class="small danger-text" disabled={busy} onClick={onRemove}>
          Remove<span class="visually-hidden"> the {label.toLowerCase()}</span>
        </button>
      </td>
    </tr>
  )
}

export function AdminStreaming({ client, org }: AdminScreenProps) {
  const answer = useLoad(() => client.admin.siem(org))
  const [form, setForm] = useState<Form>(fromSettings(null))
  const [shown, setShown] = useState<string | null>(null)
  const act = useAction(() => answer.reload())
  const siem = answer.value?.siem ?? null
  // The form follows the settings as saved (not each refresh of the delivery state).
  useEffect(() => {
    const key = JSON.stringify(siem)
    if (answer.value && key !== shown) {
      setForm(fromSettings(siem))
      setShown(key)
    }
  }, [answer.value])
  const set = (k: keyof Form) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement
    setForm({ ...form, [k]: el.type === 'checkbox' ? el.checked : el.value })
  }
  const save = (settings: SiemSettingsInput, said: string) =>
    void act.run('save', async () => {
      await client.admin.setSiem(org, settings)
      return said
    })
  const delivery = answer.value?.delivery
  const rows = (['syslog', 'webhook'] as const).flatMap((k) => (delivery?.[k] ? [{ kind: k, d: delivery[k]! }] : []))

  return (
    <div class="admin-section">
      <AdminOutcome loads={[answer.error]} act={act} testId="streaming-outcome" />
      <p data-testid="streaming-state">
        {answer.value === null
          ? 'Loading…'
          : siem === null
            ? 'The audit trail is not streamed anywhere.'
            : `Each new entry of the audit trail goes to ${[siem.syslog && 'a syslog collector', siem.webhook && 'an HTTPS webhook'].filter(Boolean).join(' and ')}.`}
      </p>
      {rows.length > 0 && (
        <table class="admin-table" data-testid="streaming-delivery">
          <caption>How each destination has fared on this server since it started</caption>
          <thead>
            <tr>
              <th scope="col">Destination</th>
              <th scope="col">Last delivered</th>
              <th scope="col">Last error</th>
              <th scope="col">Retries</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ kind, d }) => (
              <DeliveryRow
                key={kind}
                kind={kind}
                d={d}
                busy={act.busy !== null}
                onRemove={() => {
                  const next = toSettings({ ...fromSettings(siem), ...(kind === 'syslog' ? { syslogOn: false } : { webhookOn: false }) })
                  save(next, kind === 'syslog' ? 'The syslog collector is removed: entries no longer go there.' : 'The webhook is removed: entries no longer go there.')
                }}
              />
            ))}
          </tbody>
        </table>
      )}
      {answer.value !== null && (
        <button type="button" class="small" disabled={act.busy !== null} onClick={() => answer.reload()}>
          Refresh delivery state
        </button>
      )}
      <p class="muted small">
        Delivery is at least once, retried with backoff (8 tries); a receiver drops a repeat by its index. The trail stays the record: a collector that missed
        entries reads them with <code>candor org audit {org} --jsonl --from N</code>.
      </p>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault()
          const next = toSettings(form)
          save(next, next.syslog || next.webhook ? 'Saved: new entries of the audit trail are streamed as set, starting with this change.' : 'Saved: the audit trail is no longer streamed.')
        }}
      >
        <fieldset class="stack">
          <legend>Syslog collector (RFC 5424)</legend>
          <label for="siem-syslog-on" class="admin-check">
            <input id="siem-syslog-on" type="checkbox" checked={form.syslogOn} onChange={set('syslogOn')} />
            Send to a syslog collector
          </label>
          {form.syslogOn && (
            <>
              <label for="siem-host">
                Host
                <input id="siem-host" value={form.host} onInput={set('host')} required autoCapitalize="none" spellcheck={false} />
              </label>
              <label for="siem-port">
                Port
                <input id="siem-port" type="number" min={1} max={65535} value={form.port} onInput={set('port')} required />
              </label>
              <label for="siem-tls" class="admin-check">
                <input id="siem-tls" type="checkbox" checked={form.tls} onChange={set('tls')} />
                Over TLS (RFC 5425); plain TCP only for a collector on this machine
              </label>
              <label for="siem-syslog-ca">
                CA certificate to trust (PEM, optional: for a collector whose certificate a private CA signed)
                <textarea id="siem-syslog-ca" class="admin-pre" rows={4} value={form.syslogCa} onInput={set('syslogCa')} spellcheck={false} />
              </label>
            </>
          )}
        </fieldset>
        <fieldset class="stack">
          <legend>HTTPS webhook</legend>
          <label for="siem-webhook-on" class="admin-check">
            <input id="siem-webhook-on" type="checkbox" checked={form.webhookOn} onChange={set('webhookOn')} />
            Send to an HTTPS webhook
          </label>
          {form.webhookOn && (
            <>
              <label for="siem-url">
                Webhook URL (https://)
                <input id="siem-url" type="url" value={form.url} onInput={set('url')} required placeholder="https://siem.example.com/candor" spellcheck={false} />
              </label>
              <label for="siem-webhook-ca">
                CA certificate to trust (PEM, optional: for a receiver whose certificate a private CA signed)
                <textarea id="siem-webhook-ca" class="admin-pre" rows={4} value={form.webhookCa} onInput={set('webhookCa')} spellcheck={false} />
              </label>
            </>
          )}
        </fieldset>
        <button type="submit" class="primary" disabled={act.busy !== null}>
          Save audit streaming
        </button>
      </form>
    </div>
  )
}
