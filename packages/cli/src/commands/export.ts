// `candor export <out-dir>` writes the person's signed export, built on this device;
// `candor verify-export <dir> [--log-key K] [--directory-key K]` checks every hash, proof and
// signature, and with pinned keys that the access log and key directory signed the bundled
// checkpoints (exit 0 only if all hold, else exit 1 naming the first file that differs).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { verifyExport, type ExportPins } from '@candor/sdk'
import { CandorError } from '@candor/protocol'
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

/** A one-line progress bar on stderr, drawn only on a terminal. */
function progressBar(): (done: number, total: number, step: string) => void {
  if (!process.stderr.isTTY) return () => {}
  return (done, total, step) => {
    const width = 28
    const filled = Math.round((done / total) * width)
    process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${step.slice(0, 40).padEnd(40)}`)
    if (done === total) process.stderr.write('\n')
  }
}

export async function exportData(g: GlobalFlags, outDir: string): Promise<number> {
  const existing = await readdir(outDir).catch(() => [])
  if (existing.length > 0) throw new CandorError('conflict', `${outDir} is not empty; choose a new folder`)
  const client = await connectedDevice(g)
  try {
    const files = await client.exportData(progressBar())
    for (const f of files) {
      const path = join(outDir, ...f.path.split('/'))
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, f.bytes)
    }
    const bytes = files.reduce((n, f) => n + f.bytes.length, 0)
    if (g.json) printJson({ dir: outDir, files: files.length, bytes })
    else process.stdout.write(`wrote ${files.length} files (${bytes} bytes) to ${outDir}, manifest signed by device ${client.deviceId}\n`)
  } finally {
    client.close()
  }
  return 0
}

async function readTree(root: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>()
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = join(entry.parentPath, entry.name)
    out.set(relative(root, full).split(sep).join('/'), new Uint8Array(await readFile(full)))
  }
  return out
}

export async function verifyExportDir(g: GlobalFlags, dir: string, pins: ExportPins = {}): Promise<number> {
  const files = await readTree(dir).catch((e: unknown) => {
    throw new CandorError('not_found', `cannot read ${dir}: ${(e as Error).message}`)
  })
  const r = await verifyExport(files, pins)
  if (g.json) printJson(r)
  if (r.ok) {
    const pinned = [pins.logKey !== undefined ? 'access log' : null, pins.directoryKey !== undefined ? 'key directory' : null].filter((x) => x !== null)
    const under = pinned.length ? `; ${pinned.join(' and ')} checkpoints signed by the pinned keys` : ''
    if (!g.json) process.stdout.write(`ok: ${r.files} files match the manifest, signed by device ${r.deviceId}${under}\n`)
    return 0
  }
  process.stderr.write(`FAIL ${r.file}: ${r.problem}\n`)
  return 1
}
