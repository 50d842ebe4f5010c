// Recovery and history (docs/protocol.md §4.2): the recovery secret (set up once, shown once),
// the backup under it, getting back into an account from a fresh home with it, and the history
// another device of the person sent this one.
import { CandorClient, type HistoryProgress } from '@candor/sdk'
import { CandorError } from '@candor/protocol'
import { clientOptions, connectedDevice, openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

/** Progress on stderr, so stdout stays the result (and --json one object a line). */
function progress(g: GlobalFlags): (p: HistoryProgress) => void {
  let last = ''
  return (p) => {
    const line = p.stage === 'uploading' || p.stage === 'downloading' ? `${p.stage} ${Math.floor((100 * p.done) / Math.max(1, p.total))}%` : `${p.stage} ${p.done}/${p.total}`
    if (line === last || g.json) return
    last = line
    process.stderr.write(`${line}\n`)
  }
}

export const RECOVERY_USAGE = `  candor --home DIR recovery setup           make a recovery secret and publish its key in your directory
                                              entry (replaces the one you had); the secret is shown ONCE:
                                              write it down — nothing keeps it, not even this device
  candor --home DIR recovery backup          seal this device's history to your recovery key and upload it
                                              (the server holds ciphertext only; replaces the last backup)
  candor --server URL --home DIR recover <user> --secret "XXXX-…" [--name DEVICE] [--revoke-others]
                                              on a fresh home: a new device approved with the recovery key,
                                              the backup restored; --revoke-others revokes every other device
  candor --home DIR approve <deviceId> --history all|<duration>   approve, and send the new device the
                                              history this one holds (all, or the last 30d, 12h…)
  candor --home DIR history [--wait]         import the history another device of yours sent this one
                                              (--wait: for up to a minute, until it arrives)`

export async function recoverySetup(g: GlobalFlags): Promise<number> {
  const client = await openDevice(g)
  try {
    const { secret, publicKey, replaced } = await client.setUpRecovery()
    if (g.json) printJson({ secret, publicKey, replaced })
    else {
      process.stdout.write(`Your recovery secret (shown this once; write it down and keep it safe):\n\n    ${secret}\n\n`)
      process.stdout.write(`${replaced ? 'It replaces your previous one, which no longer works.\n' : ''}With it you can get back into your account if you lose every device:\n  candor --server URL --home NEW-DIR recover ${client.userId} --secret "${'XXXX-'.repeat(7)}XXXX"\n`)
      process.stdout.write('Back up your history under it with: candor recovery backup\n')
    }
  } finally {
    client.close()
  }
  return 0
}

export async function recoveryBackup(g: GlobalFlags): Promise<number> {
  const client = await openDevice(g)
  try {
    const r = await client.backUpHistory(progress(g))
    if (g.json) printJson(r)
    else process.stdout.write(`backed up ${r.messages} messages (${r.size} bytes sealed to your recovery key)\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function recover(g: GlobalFlags, userId: string, secret: string | undefined, deviceName: string, revokeOthers: boolean): Promise<number> {
  if (!secret) throw new CandorError('bad_request', 'recover needs --secret "XXXX-XXXX-…" (the recovery secret you wrote down)')
  const { client, restored, revoked, joined } = await CandorClient.recover(await clientOptions(g), userId, secret, deviceName, { revokeOthers, onProgress: progress(g) })
  try {
    if (g.json) printJson({ userId, deviceId: client.deviceId, restored: { messages: restored.messages, conversations: restored.conversations }, revoked, joined })
    else {
      process.stdout.write(`recovered ${userId}: this is device ${client.deviceId}, approved with your recovery key\n`)
      process.stdout.write(`restored ${restored.messages} messages of ${restored.conversations.length} conversations from your backup\n`)
      for (const d of revoked) process.stdout.write(`revoked ${d}\n`)
      if (joined.joined.length > 0) process.stdout.write(`rejoined ${joined.joined.length} conversations in the place of your old device\n`)
      for (const f of joined.failed) process.stdout.write(`could not rejoin ${f.conversation}: ${f.message}\n`)
      process.stdout.write('your contacts see a new device of yours, as for any new device\n')
    }
  } finally {
    client.close()
  }
  return 0
}

/** `all`, or a duration back from now (30d, 12h, 90m). */
export function historySince(text: string, now = Date.now()): number | null {
  if (text === 'all') return null
  const m = /^([1-9][0-9]{0,5})([mhd])$/.exec(text)
  if (!m) throw new CandorError('bad_request', '--history: "all", or how far back: 90m, 12h, 30d')
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd']
  return now - Number(m[1]) * unit
}

export async function approveWithHistory(g: GlobalFlags, deviceId: string, history: string): Promise<number> {
  const since = historySince(history)
  const client = await connectedDevice(g)
  try {
    const r = await client.approve(deviceId, { history: { since }, onProgress: progress(g) })
    const transferred = r ? r.transferred : 0
    if (g.json) printJson({ approved: deviceId, transferred })
    else process.stdout.write(`approved ${deviceId}, added it to your conversations and sent it ${transferred} messages of history\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function receiveHistory(g: GlobalFlags, waitSeconds: number): Promise<number> {
  const client = await openDevice(g)
  try {
    const until = Date.now() + waitSeconds * 1000
    let r = await client.receiveHistory(progress(g))
    while (r.archives === 0 && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 500))
      r = await client.receiveHistory(progress(g))
    }
    if (g.json) printJson({ archives: r.archives, messages: r.messages, conversations: r.conversations })
    else process.stdout.write(r.archives === 0 ? 'no history was sent to this device\n' : `imported ${r.messages} messages of ${r.conversations.length} conversations, marked as transferred\n`)
  } finally {
    client.close()
  }
  return 0
}
