// `candor keys`: the operator's commands on the server's key file (docs/server-keys.md). They
// change the file only; each node reads it when it starts.
import { CandorError, LIMITS } from '@candor/protocol'
import { addTokenKey, dropOldTokenKeys, generateServerKeyFile } from '@candor/server'
import { createKeyFile, readKeyFile, replaceKeyFile } from '../key-file.ts'
import { printJson } from '../output.ts'

export const KEYS_USAGE = `Server keys (the key file: --key-file PATH, or server-keys.json in --data DIR):
  candor keys init [--data DIR | --key-file PATH]
                                              create the key file before a first start (a cluster's
                                              nodes then each get a copy); never overwrites one
  candor keys rotate-token [--data DIR | --key-file PATH] [--signs-in DURATION]
                                              add a session-token key; it signs from now (or after
                                              DURATION, e.g. 10m, once every node has the file)
  candor keys rotate-token --drop-old [--data DIR | --key-file PATH]
                                              remove the token keys older than the signing one,
                                              once the tokens they signed have expired (1 hour)`

export interface KeysOptions {
  keyFile: string
  /** The keys come from the environment in this configuration: there is no file to change. */
  keysInEnv: boolean
  dropOld: boolean
  signsIn: string | undefined
  json: boolean
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

function durationMs(text: string): number {
  const m = /^(\d{1,9})([smhd])$/.exec(text.trim())
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN
  if (!Number.isSafeInteger(ms)) throw new CandorError('bad_request', `--signs-in "${text}" is not a duration: use e.g. 30s, 10m, 1h`)
  return ms
}

export async function keys(sub: string | undefined, o: KeysOptions): Promise<number> {
  if (sub !== 'rotate-token' && sub !== 'init') throw new CandorError('bad_request', `unknown keys command "${sub ?? ''}"\n\n${KEYS_USAGE}`)
  if (o.keysInEnv) {
    throw new CandorError(
      'bad_request',
      'the server keys come from CANDOR_SERVER_KEYS here, so there is no file to change: work on a copy with --key-file PATH, then put its content in the environment of every node',
    )
  }
  if (sub === 'init') {
    if (!createKeyFile(o.keyFile, generateServerKeyFile(Date.now()))) throw new CandorError('conflict', `there is a key file at ${o.keyFile} already; it was left as it is`)
    if (o.json) printJson({ keyFile: o.keyFile, created: true })
    else process.stdout.write(`created the key file ${o.keyFile} (mode 600); give every node of the cluster a copy, and back it up apart from the database\n`)
    return 0
  }
  if (o.dropOld && o.signsIn !== undefined) throw new CandorError('bad_request', '--drop-old and --signs-in go in separate runs')
  // Checked before anything changes: a bad duration leaves the file as it was.
  const delay = o.signsIn === undefined ? 0 : durationMs(o.signsIn)
  const file = readKeyFile(o.keyFile)
  if (!file) throw new CandorError('not_found', `there is no key file at ${o.keyFile} (a server creates it on its first start)`)
  const now = Date.now()

  if (o.dropOld) {
    const { file: next, dropped } = dropOldTokenKeys(file, now, LIMITS.sessionTtlMs)
    if (dropped.length > 0) replaceKeyFile(o.keyFile, next)
    if (o.json) printJson({ keyFile: o.keyFile, dropped, tokenKeys: next.tokenKeys.map((k) => k.id) })
    else if (dropped.length === 0) process.stdout.write(`no token key older than the signing one in ${o.keyFile}\n`)
    else {
      process.stdout.write(`dropped token key(s) ${dropped.join(', ')} from ${o.keyFile}\n`)
      process.stdout.write('copy the file to every node and restart them: until then a node still accepts tokens of the dropped keys\n')
    }
    return 0
  }

  const { file: next, added } = addTokenKey(file, now, now + delay)
  replaceKeyFile(o.keyFile, next)
  const signsFrom = new Date(added.signsFrom ?? added.createdAt).toISOString()
  if (o.json) printJson({ keyFile: o.keyFile, added: added.id, signsFrom, tokenKeys: next.tokenKeys.map((k) => k.id) })
  else {
    process.stdout.write(`added token key ${added.id} to ${o.keyFile}; it signs new tokens from ${signsFrom}\n`)
    process.stdout.write(
      delay > 0
        ? 'copy the file to every node and restart each before then; an hour after that, drop the old key(s): candor keys rotate-token --drop-old\n'
        : 'restart the server to use it (in a cluster, use --signs-in so that every node has the key before any signs with it); an hour later: candor keys rotate-token --drop-old\n',
    )
  }
  return 0
}
