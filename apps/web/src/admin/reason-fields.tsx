// The justification and case reference every access to a person's data names: they go into the
// receipt the person reads, and into the organisation's audit trail.
import { JUSTIFICATIONS, JUSTIFICATION_LABELS, type Reason } from './use-admin.ts'

export function ReasonFields({ reason, onChange, idPrefix }: { reason: Reason; onChange: (r: Reason) => void; idPrefix: string }) {
  return (
    <fieldset class="row">
      <legend class="small">Why (told to the person in their access receipt)</legend>
      <div class="admin-field">
        <label for={`${idPrefix}-why`}>Justification</label>
        <select id={`${idPrefix}-why`} value={reason.why} onChange={(e) => onChange({ ...reason, why: e.currentTarget.value as Reason['why'] })}>
          {JUSTIFICATIONS.map((j) => (
            <option key={j} value={j}>
              {JUSTIFICATION_LABELS[j]}
            </option>
          ))}
        </select>
      </div>
      <label for={`${idPrefix}-case`}>
        Case reference
        <input id={`${idPrefix}-case`} value={reason.case} onInput={(e) => onChange({ ...reason, case: e.currentTarget.value })} />
      </label>
    </fieldset>
  )
}
