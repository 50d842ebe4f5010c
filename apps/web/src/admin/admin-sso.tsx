// Single sign-on: the organisation's identity provider (issuer, client id and secret, allowed
// email domains, the groups claim, whether sign-in is required and how often it is renewed).
// The secret is write-only: the server never shows it; left empty, the stored one is kept.
import { useEffect, useState } from 'preact/hooks'
import type { SsoSettingsResponse } from '@candor/protocol'
import type { AdminScreenProps } from './admin-console.tsx'
import { AdminOutcome } from './admin-outcome.tsx'
import { useAction, useLoad } from './use-admin.ts'

interface Form {
  issuer: string
  clientId: string
  clientSecret: string
  allowedDomains: string
  groupsClaim: string
  requireSso: boolean
  reauthMinutes: string
}

const fromSettings = (s: SsoSettingsResponse['sso']): Form => ({
  issuer: s?.issuer ?? '',
  clientId: s?.clientId ?? '',
  clientSecret: '',
  allowedDomains: s?.allowedDomains.join(', ') ?? '',
  groupsClaim: s?.groupsClaim ?? '',
  requireSso: s?.requireSso ?? false,
  reauthMinutes: String(s?.reauthMinutes ?? 720),
})

export function AdminSso({ client, org }: AdminScreenProps) {
  const settings = useLoad(() => client.admin.ssoSettings(org))
  const [form, setForm] = useState<Form>(fromSettings(null))
  useEffect(() => {
    if (settings.value) setForm(fromSettings(settings.value.sso))
  }, [settings.value])
  const act = useAction(() => settings.reload())
  const sso = settings.value?.sso ?? null
  const field = (k: keyof Form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value })

  return (
    <div class="admin-section">
      <AdminOutcome loads={[settings.error]} act={act} />
      <p data-testid="sso-state">
        {settings.value === null ? 'Loading…' : sso === null ? 'No identity provider is set.' : `Signs in at ${sso.issuer}${sso.requireSso ? ' (required)' : ''}; client secret set.`}
      </p>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault()
          void act.run('save', async () => {
            const r = await client.admin.setSso(org, {
              issuer: form.issuer.trim(),
              clientId: form.clientId.trim(),
              ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}),
              allowedDomains: form.allowedDomains.split(/[\s,]+/).filter(Boolean),
              groupsClaim: form.groupsClaim.trim() || null,
              requireSso: form.requireSso,
              reauthMinutes: Number(form.reauthMinutes),
            })
            return `Saved: ${org} signs in at ${r.sso?.issuer}.`
          })
        }}
      >
        <label for="sso-issuer">
          Issuer URL
          <input id="sso-issuer" type="url" value={form.issuer} onInput={field('issuer')} required />
        </label>
        <label for="sso-client-id">
          Client ID
          <input id="sso-client-id" value={form.clientId} onInput={field('clientId')} required autocomplete="off" />
        </label>
        <label for="sso-client-secret">
          Client secret {sso && <span class="muted small">(set; leave empty to keep it)</span>}
          <input id="sso-client-secret" type="password" value={form.clientSecret} onInput={field('clientSecret')} autocomplete="new-password" required={sso === null} />
        </label>
        <label for="sso-domains">
          Allowed email domains (comma-separated)
          <input id="sso-domains" value={form.allowedDomains} onInput={field('allowedDomains')} required />
        </label>
        <label for="sso-groups">
          Groups claim (optional)
          <input id="sso-groups" value={form.groupsClaim} onInput={field('groupsClaim')} />
        </label>
        <label for="sso-reauth">
          Sign in again after (minutes)
          <input id="sso-reauth" type="number" min={5} max={43200} value={form.reauthMinutes} onInput={field('reauthMinutes')} required />
        </label>
        <label for="sso-required" class="admin-check">
          <input id="sso-required" type="checkbox" checked={form.requireSso} onChange={(e) => setForm({ ...form, requireSso: e.currentTarget.checked })} />
          Require single sign-on to register, add a device and sign in
        </label>
        <button type="submit" class="primary" disabled={act.busy !== null}>
          Save single sign-on
        </button>
      </form>
      {sso && (
        <dl data-testid="sso-uris">
          <dt>Redirect URI to register at the provider</dt>
          <dd>
            <code>{sso.redirectUri}</code>
          </dd>
          <dt>Back-channel logout URI</dt>
          <dd>
            <code>{sso.backchannelLogoutUri}</code>
          </dd>
        </dl>
      )}
    </div>
  )
}
