// The server's key file on disk: readable by its owner only (a looser file is refused, not
// fixed — someone else may already have read it), created exclusively so two nodes starting
// at once on one shared path end up with the same keys, and rewritten atomically.
import { closeSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, fchmodSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { CandorError } from '@candor/protocol'
import { parseServerKeyFile, type ServerKeyFile } from '@candor/server'

const OWNER_ONLY = 0o600

/** The checked key file, or null when there is none at `path`. */
export function readKeyFile(path: string): ServerKeyFile | null {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new CandorError('bad_request', `cannot read the key file ${path}: ${(e as Error).message}`, { cause: e })
  }
  try {
    // Checked on the open file, so it is the file that is read that was checked.
    const st = fstatSync(fd)
    if (!st.isFile()) throw new CandorError('bad_request', `the key file ${path} is not a regular file`)
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new CandorError(
        'bad_request',
        `the key file ${path} may be read or changed by other users (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}); it holds the server's secrets, so it must be mode 600: chmod 600 ${path} (and consider whether someone already copied it)`,
      )
    }
    return parseServerKeyFile(readFileSync(fd, 'utf8'), `the key file ${path}`)
  } finally {
    closeSync(fd)
  }
}

function format(file: ServerKeyFile): string {
  return `${JSON.stringify(file, null, 2)}\n`
}

/** Writes `text` to a new owner-only file beside `path` and returns that file's name. */
function writeTemp(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(tmp, 'wx', OWNER_ONLY)
  try {
    fchmodSync(fd, OWNER_ONLY)
    writeSync(fd, text)
    fsyncSync(fd)
  } catch (e) {
    closeSync(fd)
    unlinkSync(tmp)
    throw e
  }
  closeSync(fd)
  return tmp
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Creates the key file if there is none, whole or not at all (written aside, then linked into
 * place). False when one already exists: it is left as it is.
 */
export function createKeyFile(path: string, file: ServerKeyFile): boolean {
  const tmp = writeTemp(path, format(file))
  try {
    linkSync(tmp, path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new CandorError('bad_request', `cannot create the key file ${path}: ${(e as Error).message}`, { cause: e })
  } finally {
    unlinkSync(tmp)
  }
  syncDir(dirname(path))
  return true
}

/** Replaces the key file atomically (a reader sees the old file or the new one). */
export function replaceKeyFile(path: string, file: ServerKeyFile): void {
  const tmp = writeTemp(path, format(file))
  try {
    renameSync(tmp, path)
  } catch (e) {
    unlinkSync(tmp)
    throw e
  }
  syncDir(dirname(path))
}
