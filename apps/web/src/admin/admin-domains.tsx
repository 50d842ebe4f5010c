// The organisation's domains and sign-up: its verified domains (a `local@domain` id of one is
// made only through this organisation's sign-up), who may register through its sign-up, and —
// for the server's operator, the one role that may — recording a domain as verified. DNS
// verification is not built: the operator checks out of band that the organisation controls the
// domain, so the screen asks for no DNS record and an owner is told who records one. The API has
// no removal of a domain.
import { useState } from 'preact/hooks'
import { CandorError, SIGNUP_MODES, fieldErrorReason, parseDomain, type SignupMode } from '@candor/protocol'
import { formatDateTime } from '../components/time.ts'
import type { AdminScreenProps } from './admin-console.tsx'
import { AdminOutcome } from './admin-outcome.tsx'
import { may, useAction, useLoad } from './use-admin.ts'

const SIGNUP_LABELS: Record<SignupMode, string> = {
  open: 'Open: anyone may register, as a member',
  guests: 'Guests: anyone may register, as a guest',
  closed: 'Closed: nobody registers here (people come in through SCIM or single sign-on)',
}

/** The domain typed (lower-cased), or an error in plain words: nothing is sent. */
function asDomain(typed: string): string {
  const v = typed.trim().toLowerCase()
  try {
    return parseDomain(v, 'domain')
  } catch (e) {
    throw new Error(`“${v}” is not a domain name: ${e instanceof CandorError ? fieldErrorReason(e) : String(e)}.`)
  }
}

export function AdminDomains({ client, me, org }: AdminScreenProps) {
  const info = useLoad(() => client.admin.organisation(org))
  const act = useAction(() => info.reload())
  const [domain, setDomain] = useState('')
  const [signup, setSignup] = useState<SignupMode | null>(null)
  const o = info.value
  const canAdd = may(me, org, 'domains.add')
  const canSignup = may(me, org, 'signup.set')

  return (
    <div class="admin-section">
      <AdminOutcome loads={[info.error]} act={act} testId="domains-outcome" />
      {o && (
        <p data-testid="org-identity">
          <strong>{o.name}</strong> (<code>{o.id}</code>), since {formatDateTime(o.createdAt)}. Sign-up: <strong data-testid="org-signup">{o.signup}</strong>.
        </p>
      )}
      <table class="admin-table" data-testid="domains">
        <caption>Verified domains of {org}</caption>
        <thead>
          <tr>
            <th scope="col">Domain</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {(o?.domains ?? []).map((d) => (
            <tr key={d} data-domain={d}>
              <td>
                <code>{d}</code>
              </td>
              <td>Verified: recorded by the server’s operator. Ids ending in @{d} are made only through this organisation’s sign-up.</td>
            </tr>
          ))}
          {o && o.domains.length === 0 && (
            <tr>
              <td colSpan={2} class="muted">
                No verified domains yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {canAdd ? (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault()
            void act.run('add', async () => {
              const d = asDomain(domain)
              const r = await client.admin.addDomain(org, d)
              setDomain('')
              const elsewhere =
                r.elsewhere > 0 ? ` ${r.elsewhere} ${r.elsewhere === 1 ? 'person' : 'people'} of it signed up in other organisations before; they stay there.` : ''
              return `${d} is now a verified domain of ${r.organisation.name}.${elsewhere}`
            })
          }}
        >
          <p class="muted small">
            Record a domain only once you have checked that {o?.name ?? org} controls it: Candor does not look it up in DNS. A domain belongs to one organisation at
            most.
          </p>
          <label for="domain-new">
            Domain
            <input id="domain-new" value={domain} onInput={(e) => setDomain(e.currentTarget.value)} required placeholder="example.com" autoCapitalize="none" spellcheck={false} />
          </label>
          <button type="submit" class="primary" disabled={act.busy !== null}>
            Record as verified
          </button>
        </form>
      ) : (
        <p class="muted small" data-testid="domains-operator-only">
          Only the server’s operator records a verified domain, once they have checked that the organisation controls it (Candor does not check DNS): ask them to
          run <code>candor org domains {org} add DOMAIN</code>. A recorded domain cannot be removed from here.
        </p>
      )}
      {canSignup && o && (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault()
            const mode = signup ?? o.signup
            void act.run('signup', async () => {
              const r = await client.admin.setSignup(org, mode)
              return `Sign-up of ${r.name} is now ${r.signup}.`
            })
          }}
        >
          <label for="signup-mode">
            Who may register through this organisation’s sign-up
            <select id="signup-mode" value={signup ?? o.signup} onChange={(e) => setSignup(e.currentTarget.value as SignupMode)}>
              {SIGNUP_MODES.map((m) => (
                <option key={m} value={m}>
                  {SIGNUP_LABELS[m]}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={act.busy !== null}>
            Save sign-up
          </button>
        </form>
      )}
    </div>
  )
}
