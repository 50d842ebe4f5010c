// Replacing one of the archive's files whole: a temporary file, synced, then renamed over it, so
// a crash leaves the old file or the new one, never half of either.
import { open, rename } from 'node:fs/promises'

export async function writeSynced(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  const f = await open(tmp, 'w', 0o600)
  try {
    await f.writeFile(text)
    await f.sync()
  } finally {
    await f.close()
  }
  await rename(tmp, path)
}
