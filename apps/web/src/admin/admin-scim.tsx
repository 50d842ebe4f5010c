// SCIM provisioning tokens: an owner makes one for the identity provider — shown here once, never
// again (the server keeps only its digest) — and revokes it, which stops it at once.
import { useState } from 'preact/hooks'
import type { CreatedScimToken } from '@candor/protocol'
import { formatDateTime } from '../components/time.ts'
import type { AdminScreenProps } from './admin-console.tsx'
import { AdminOutcome } from './admin-outcome.tsx'
import { useAction, useLoad } from './use-admin.ts'

export function AdminScim({ client, org }: AdminScreenProps) {
  const tokens = useLoad(() => client.admin.scimTokens(org))
  const act = useAction(() => tokens.reload())
  const [created, setCreated] = useState<CreatedScimToken | null>(null)

  return (
    <div class="admin-section">
      <p class="muted small">
        The identity provider provisions people at <code>{location.origin}/scim/v2</code> with a bearer token made here.
      </p>
      <AdminOutcome loads={[tokens.error]} act={act} />
      <button
        type="button"
        class="primary"
        disabled={act.busy !== null}
        onClick={() =>
          void act.run('create', async () => {
            setCreated(await client.admin.createScimToken(org))
          })
        }
      >
        Create a SCIM token
      </button>
      {created && (
        <section class="card inset" aria-labelledby="scim-new-title" data-testid="scim-new-token">
          <h3 id="scim-new-title">New token {created.id}</h3>
          <p>
            <strong>Copy it now: it is shown this once.</strong> Candor keeps only its digest.
          </p>
          <code class="admin-secret" data-testid="scim-secret">
            {created.token}
          </code>
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </section>
      )}
      <table class="admin-table" data-testid="scim-tokens">
        <caption>SCIM tokens of {org}</caption>
        <thead>
          <tr>
            <th scope="col">Token</th>
            <th scope="col">Created</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {(tokens.value ?? []).map((t) => (
            <tr key={t.id} data-token={t.id} data-revoked={t.revokedAt !== null ? 'yes' : 'no'}>
              <td>
                <code>{t.id}</code>
              </td>
              <td>
                {formatDateTime(t.createdAt)} by {t.createdBy}
              </td>
              <td>
                {t.revokedAt !== null ? (
                  `revoked ${formatDateTime(t.revokedAt)}`
                ) : (
                  <button
                    type="button"
                    class="small danger-text"
                    disabled={act.busy !== null}
                    onClick={() =>
                      void act.run(`revoke ${t.id}`, async () => {
                        await client.admin.revokeScimToken(org, t.id)
                        if (created?.id === t.id) setCreated(null)
                        return `Token ${t.id} revoked: it no longer works.`
                      })
                    }
                  >
                    Revoke<span class="visually-hidden"> token {t.id}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
