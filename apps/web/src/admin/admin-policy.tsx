// The organisation's policy: the version in force (its signature and audit-log proof checked here,
// as members' clients check theirs), an editor that publishes the next version, the list of
// versions, and the difference between any two — computed on this device from two versions it
// verified, never taken from the server's word.
import { useState } from 'preact/hooks'
import { orgPolicySchema, policyDiff, type OrgPolicyVersions, type PolicyChange } from '@candor/protocol'
import type { VerifiedPolicy } from '@candor/sdk'
import { formatDateTime } from '../components/time.ts'
import type { AdminScreenProps } from './admin-console.tsx'
import { useAction, useLoad } from './use-admin.ts'

interface Loaded {
  versions: OrgPolicyVersions['versions']
  current: VerifiedPolicy
}

interface Diff {
  from: number
  to: number
  changes: PolicyChange[]
}

const show = (v: unknown) => JSON.stringify(v)

export function AdminPolicy({ client, org }: AdminScreenProps) {
  const [text, setText] = useState<string | null>(null)
  const [diff, setDiff] = useState<Diff | null>(null)
  const [from, setFrom] = useState<string>('')
  const [to, setTo] = useState<string>('')
  const state = useLoad(async (): Promise<Loaded> => {
    const { versions } = await client.admin.policyVersions(org)
    const current = await client.admin.policyVersion(org, versions[0]?.version ?? 0)
    setText(JSON.stringify(current.policy, null, 2))
    setFrom(String(Math.max(0, current.version - 1)))
    setTo(String(current.version))
    return { versions, current }
  })
  const act = useAction()

  const compare = async (a: number, b: number) => {
    const [before, after] = [await client.admin.policyVersion(org, a), await client.admin.policyVersion(org, b)]
    setDiff({ from: a, to: b, changes: policyDiff(before.policy, after.policy) })
  }

  const publish = () =>
    act.run('publish', async () => {
      let doc: unknown
      try {
        doc = JSON.parse(text ?? '')
      } catch (e) {
        throw new Error(`The policy is not valid JSON: ${(e as Error).message}`)
      }
      const parsed = orgPolicySchema.safeParse(doc)
      if (!parsed.success) throw new Error(`The policy is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
      const previous = state.value?.current.version ?? 0
      const r = await client.admin.setPolicy(org, parsed.data)
      await compare(previous, r.version)
      state.reload()
      return `Published version ${r.version}: signed, and logged in the audit trail.`
    })

  const versions = state.value?.versions ?? []
  const options = [...versions.map((v) => v.version), 0]
  const current = state.value?.current

  return (
    <div class="admin-section">
      {state.error && (
        <p class="error" role="alert">
          {state.error}
        </p>
      )}
      {act.error && (
        <p class="error" role="alert">
          {act.error}
        </p>
      )}
      {act.message && (
        <p role="status" data-testid="policy-outcome">
          {act.message}
        </p>
      )}
      {current && (
        <p data-testid="policy-current">
          {current.version === 0
            ? 'No policy set: the defaults apply (version 0).'
            : `Version ${current.version} applies since ${formatDateTime(current.since)} — signature and audit-log proof verified on this device (entry ${current.auditIndex}).`}
        </p>
      )}
      {text !== null && (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault()
            void publish()
          }}
        >
          <label for="policy-json">
            Policy document (JSON)
            <textarea id="policy-json" class="admin-json" value={text} onInput={(e) => setText(e.currentTarget.value)} spellcheck={false} />
          </label>
          <button type="submit" class="primary" disabled={act.busy !== null}>
            Publish a new version
          </button>
        </form>
      )}
      <section aria-labelledby="policy-diff-title" class="admin-section">
        <h3 id="policy-diff-title">Compare versions</h3>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault()
            void act.run('compare', () => compare(Number(from), Number(to)))
          }}
        >
          <div class="admin-field">
            <label for="policy-from">From version</label>
            <select id="policy-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
              {options.map((v) => (
                <option key={v} value={String(v)}>
                  {v === 0 ? '0 (defaults)' : v}
                </option>
              ))}
            </select>
          </div>
          <div class="admin-field">
            <label for="policy-to">To version</label>
            <select id="policy-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
              {options.map((v) => (
                <option key={v} value={String(v)}>
                  {v === 0 ? '0 (defaults)' : v}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={act.busy !== null}>
            Compare
          </button>
        </form>
        {diff && (
          <table class="admin-table" data-testid="policy-diff">
            <caption>
              Changes from version {diff.from} to version {diff.to} (each version’s signature and audit-log proof verified)
              {diff.changes.length === 0 ? ': none' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {diff.changes.map((c) => (
                <tr key={c.path} data-path={c.path}>
                  <td>
                    <code>{c.path}</code>
                  </td>
                  <td>
                    <del>{show(c.before)}</del>
                  </td>
                  <td>
                    <ins>{show(c.after)}</ins>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <table class="admin-table" data-testid="policy-versions">
        <caption>Versions</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Since</th>
            <th scope="col">Set by</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <td>{v.version}</td>
              <td>{formatDateTime(v.since)}</td>
              <td>{v.createdBy}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
