// The organisation's admin console (docs/organisations.md §Admin console): for its owners and
// admins, signed in as one of their own devices — the same session as the messenger. It shows
// only the admin's own organisation; every call is checked again by the server, which refuses
// anything the role does not allow. Someone who is no admin gets a plain "not an admin" screen.
import type { CandorClient } from '@candor/sdk'
import { CandorError, type AdminRecordInfo, type Permission } from '@candor/protocol'
import { href } from '../router.ts'
import { PaneHeader } from '../views/conversation-view.tsx'
import { AdminApprovals } from './admin-approvals.tsx'
import { AdminAudit } from './admin-audit.tsx'
import { AdminDomains } from './admin-domains.tsx'
import { AdminPeople } from './admin-people.tsx'
import { AdminPolicy } from './admin-policy.tsx'
import { AdminRoles } from './admin-roles.tsx'
import { AdminScim } from './admin-scim.tsx'
import { AdminSso } from './admin-sso.tsx'
import { AdminStreaming } from './admin-streaming.tsx'
import { may, useLoad } from './use-admin.ts'
import './admin.css'

export interface AdminScreenProps {
  client: CandorClient
  me: AdminRecordInfo
  org: string
}

/** The console's screens; one that `needs` a permission is left out for a role without it. */
export const ADMIN_TABS: readonly { id: string; label: string; screen: (p: AdminScreenProps) => preact.JSX.Element; needs?: Permission }[] = [
  { id: 'people', label: 'People and devices', screen: AdminPeople },
  { id: 'domains', label: 'Domains and sign-up', screen: AdminDomains },
  { id: 'roles', label: 'Roles', screen: AdminRoles },
  { id: 'sso', label: 'Single sign-on', screen: AdminSso },
  { id: 'scim', label: 'SCIM tokens', screen: AdminScim },
  { id: 'policy', label: 'Policy', screen: AdminPolicy },
  { id: 'approvals', label: 'Approvals', screen: AdminApprovals },
  { id: 'audit', label: 'Audit trail', screen: AdminAudit },
  { id: 'streaming', label: 'Audit streaming', screen: AdminStreaming, needs: 'siem.manage' },
]

/** The admin record of this person, or 'none' when they hold no admin role. */
async function whoAmI(client: CandorClient): Promise<AdminRecordInfo | 'none'> {
  try {
    return await client.admin.me()
  } catch (e) {
    if (e instanceof CandorError && e.code === 'forbidden') return 'none'
    throw e
  }
}

export function AdminConsole({ client, tab }: { client: CandorClient; tab: string }) {
  const me = useLoad(() => whoAmI(client))
  const asked = ADMIN_TABS.find((t) => t.id === tab) ?? ADMIN_TABS[0]!
  const body = (() => {
    if (me.error) {
      return (
        <p class="error" role="alert">
          {me.error}
        </p>
      )
    }
    if (me.value === null) {
      return (
        <p class="muted" role="status">
          Loading…
        </p>
      )
    }
    if (me.value === 'none') {
      return (
        <div class="stack" data-testid="not-admin">
          <p>
            <strong>You are not an admin of this organisation.</strong>
          </p>
          <p class="muted">
            The admin console is for your organisation’s owners and admins. If you need a change, ask one of them; the server refuses every admin request from
            this account.
          </p>
        </div>
      )
    }
    const org = me.value.role === 'operator' ? 'default' : me.value.org
    const mine = me.value
    const tabs = ADMIN_TABS.filter((t) => t.needs === undefined || may(mine, org, t.needs))
    const allowed = tabs.includes(asked)
    const Screen = asked.screen
    return (
      <>
        <p class="muted small" data-testid="admin-me">
          {client.userId} — {me.value.role} of <strong>{org}</strong>
        </p>
        <nav aria-label="Admin console">
          <ul class="admin-tabs">
            {tabs.map((t) => (
              <li key={t.id}>
                <a href={href({ name: 'admin', tab: t.id })} aria-current={t.id === asked.id ? 'page' : undefined}>
                  {t.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {allowed ? (
          <Screen key={asked.id} client={client} me={me.value} org={org} />
        ) : (
          <p data-testid="admin-not-allowed">
            Your role ({me.value.role}) does not allow this screen; the server refuses its requests from this account.
          </p>
        )}
      </>
    )
  })()
  return (
    <section class="pane" aria-labelledby="admin-title">
      <PaneHeader title={me.value && me.value !== 'none' ? `Admin console: ${asked.label}` : 'Admin console'} titleId="admin-title" />
      <div class="pad stack scroll">{body}</div>
    </section>
  )
}
