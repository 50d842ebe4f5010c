// Plain-JS entry for the bench's worker threads: registers tsx so the TypeScript worker loads.
import { register } from 'tsx/esm/api'

register()
await import('./vrf-worker.ts')
