// How far a history transfer, backup or restore has come (docs/protocol.md §4.2).
import type { HistoryProgress } from '@candor/sdk'

const STAGE: Record<HistoryProgress['stage'], string> = {
  sealing: 'Sealing your history',
  uploading: 'Uploading',
  downloading: 'Downloading',
  importing: 'Adding to your conversations',
  done: 'Done',
}

export function HistoryProgressBar({ progress }: { progress: HistoryProgress }) {
  const percent = progress.total === 0 ? 100 : Math.floor((100 * progress.done) / progress.total)
  return (
    <p class="small" role="status" data-testid="history-progress" data-stage={progress.stage}>
      {STAGE[progress.stage]} <progress max={100} value={percent} aria-label={STAGE[progress.stage]} /> {percent}%
    </p>
  )
}
