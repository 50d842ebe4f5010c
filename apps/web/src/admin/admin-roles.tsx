// Roles: who holds which role in the organisation; granting one to a person of it, and taking one
// away (with a reason, which the person is told in a receipt). The server decides who may grant
// what (owners alone manage owners) — its refusal is shown as it is.
import { useState } from 'preact/hooks'
import { ADMIN_ROLES, type AdminRole } from '@candor/protocol'
import type { AdminScreenProps } from './admin-console.tsx'
import { everyone } from './admin-people.tsx'
import { ReasonFields } from './reason-fields.tsx'
import { useAction, useLoad, type Reason } from './use-admin.ts'

const GRANTABLE = ADMIN_ROLES.filter((r) => r !== 'operator')

export function AdminRoles({ client, org }: AdminScreenProps) {
  const people = useLoad(() => everyone(client, org))
  const act = useAction(() => people.reload())
  const [user, setUser] = useState('')
  const [role, setRole] = useState<AdminRole>('admin')
  const [reason, setReason] = useState<Reason>({ why: 'support_request', case: '' })
  const holders = (people.value ?? []).filter((p) => p.role !== null)

  return (
    <div class="admin-section">
      {act.error && (
        <p class="error" role="alert">
          {act.error}
        </p>
      )}
      {act.message && <p role="status">{act.message}</p>}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault()
          void act.run('grant', async () => {
            const rec = await client.admin.grant(user.trim(), role, org)
            setUser('')
            return `${rec.userId} is now ${rec.role} of ${rec.org}.`
          })
        }}
      >
        <label for="grant-user">
          Person
          <input id="grant-user" value={user} onInput={(e) => setUser(e.currentTarget.value)} autocomplete="off" />
        </label>
        <div class="admin-field">
          <label for="grant-role">Role</label>
          <select id="grant-role" value={role} onChange={(e) => setRole(e.currentTarget.value as AdminRole)}>
            {GRANTABLE.map((r) => (
              <option key={r} value={r}>
                {r.replace('_', ' ')}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="primary" disabled={act.busy !== null || user.trim() === ''}>
          Grant role
        </button>
      </form>
      {people.error && (
        <p class="error" role="alert">
          {people.error}
        </p>
      )}
      <table class="admin-table" data-testid="roles">
        <caption>Roles in {org}</caption>
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">Role</th>
            <th scope="col">Take away</th>
          </tr>
        </thead>
        <tbody>
          {holders.map((p) => (
            <tr key={p.userId} data-user={p.userId}>
              <td>{p.userId}</td>
              <td>{p.role}</td>
              <td>
                <button
                  type="button"
                  class="small danger-text"
                  disabled={act.busy !== null || reason.case === '' || p.userId === client.userId}
                  onClick={() =>
                    void act.run(`revoke ${p.userId}`, async () => {
                      const rec = await client.admin.revoke(p.userId, reason)
                      return `${rec.userId} is no longer ${rec.role}; a receipt was logged to them.`
                    })
                  }
                >
                  Revoke<span class="visually-hidden"> the role of {p.userId}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ReasonFields reason={reason} onChange={setReason} idPrefix="revoke" />
    </div>
  )
}
