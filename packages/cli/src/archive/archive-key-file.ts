// The archive's key file (docs/protocol.md §11.5): the 32-byte state key its device store is
// sealed under. Created mode 600 on `candor archive register`; keep it apart from the home
// folder where you can (--key-file). It holds nothing that opens the sealed records.
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { CandorError } from '@candor/protocol'

export interface ArchiveKeyFile {
  v: 1
  /** base64url, 32 bytes. */
  stateKey: string
}

export async function createArchiveKeyFile(path: string): Promise<Uint8Array> {
  const key = randomBytes(32)
  const file: ArchiveKeyFile = { v: 1, stateKey: key.toString('base64url') }
  await writeFile(path, `${JSON.stringify(file)}\n`, { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') throw new CandorError('conflict', `${path} exists already; an archive key file is never overwritten`)
    throw e
  })
  return new Uint8Array(key)
}

export async function readArchiveKeyFile(path: string): Promise<Uint8Array> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    throw new CandorError('bad_request', `${path}: not an archive key file (run "candor archive register" first)`)
  }
  const o = raw as Partial<ArchiveKeyFile>
  const key = typeof o.stateKey === 'string' ? Buffer.from(o.stateKey, 'base64url') : null
  if (o.v !== 1 || !key || key.length !== 32) throw new CandorError('bad_request', `${path}: stateKey must be 32 bytes in base64url`)
  return new Uint8Array(key)
}
