// `candor` — the command line: a server, and a device per --home folder.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { restoreValues, shieldIdArguments } from './id-arguments.ts'
import { resolve } from 'node:path'
import { CandorError, normaliseUserName } from '@candor/protocol'
import { approve, deny, devices, enrol, register, revoke } from './commands/account.ts'
import { chat, read, send } from './commands/messaging.ts'
import { downloadCommand, sendFile } from './commands/attachments.ts'
import { create, groups, leave, membership, who } from './commands/conversations.ts'
import { serve } from './commands/serve.ts'
import { safety } from './commands/safety.ts'
import { myPolicy } from './commands/org-audit.ts'
import { openDevice } from './device-session.ts'
import { witness } from './commands/witness.ts'
import { receipts } from './commands/receipts.ts'
import { admin, ADMIN_USAGE } from './commands/admin.ts'
import { org, ORG_USAGE } from './commands/org.ts'
import { archiveKeys, compliance, complianceFlags, isEdiscoveryExport, verifyEdiscoveryDir, withDevice, COMPLIANCE_USAGE } from './commands/compliance.ts'
import { ssoLogin } from './commands/sso.ts'
import { accountDelete } from './commands/account-delete.ts'
import { exportData, verifyExportDir } from './commands/export.ts'
import { consent, consents } from './commands/consents.ts'
import { dataRights } from './commands/data-rights.ts'
import { timer } from './commands/timer.ts'
import { deleteMessage, edit, markRead, react, rename, reply } from './commands/features.ts'
import { blocking, blocks, requests, settle } from './commands/requests.ts'
import { keys, KEYS_USAGE } from './commands/keys.ts'
import { RECOVERY_USAGE, approveWithHistory, receiveHistory, recover, recoveryBackup, recoverySetup } from './commands/recovery.ts'
import { search } from './commands/search.ts'
import { archive, ARCHIVE_USAGE } from './commands/archive.ts'
import { hide, people, setName } from './commands/people.ts'
import { readKeyFilePath, readServeConfig, SERVER_KEYS_ENV } from './serve-config.ts'
import type { GlobalFlags } from './device-session.ts'
import { invite, invites, join, revokeInvite } from './commands/invites.ts'

export const USAGE = `candor — end-to-end-encrypted messaging you can verify

Server:
  candor serve [--port P] [--data DIR] [--key-file PATH] [--host H] [--store sqlite|postgres://…] [--bus local|nats://…]
               [--witness VKEY …] [--metrics-port P [--metrics-host H]] [--no-open-signup | --open-signup]
               [--http-rate N] [--lookup-rate N]
               [--bus-tls] [--bus-ca FILE] [--bus-cert FILE --bus-key FILE]
               [--bus-user NAME (password in CANDOR_BUS_PASSWORD) | --bus-creds FILE | --bus-nkey FILE]
      the server's secrets: the key file (default DIR/server-keys.json, created mode 600 on first
      start) or its JSON in CANDOR_SERVER_KEYS; never in the database. --witness (repeatable, or
      CANDOR_WITNESSES, comma-separated): a witness whose cosignatures the directory accepts and
      serves, by the verifier key \`candor witness\` prints; any other cosignature is refused.
      /metrics only on its own listener (loopback unless --metrics-host). NATS over TLS and with
      credentials: docs/scale-out.md. --no-open-signup (CANDOR_OPEN_SIGNUP=0) closes the default
      organisation's sign-up (docs/organisations.md); --open-signup opens it again. --http-rate
      (CANDOR_HTTP_RATE, default 200): requests a second per client address; --lookup-rate
      (CANDOR_LOOKUP_RATE, default the request rate, 0: none): key-directory lookups a second per
      address — beyond either, 429 rate_limited with Retry-After.
${KEYS_USAGE}

Device (each --home folder is one device; flags may come from CANDOR_SERVER / CANDOR_HOME):
  candor --server URL --home DIR register <user> [--name DEVICE] [--org ORG]   create a user and its first
                                              device, through the sign-up of ORG (default: default)
  candor --server URL --home DIR register [<user>] --org ORG [--sso]   in an organisation that requires
                                              single sign-on: prints a URL and a code, waits for the
                                              sign-in at its identity provider, registers that user
  candor --server URL --home DIR enrol <user> [--name DEVICE] [--wait] [--org ORG --sso]   ask to add a
                                              further device (--sso: sign in at ORG's provider first)
  candor --home DIR sso-login --org ORG       sign in again at ORG's identity provider (after a logout
                                              there, or when its re-authentication interval passed)
  candor --home DIR approve <deviceId>        approve a pending device of yours
  candor --home DIR deny <deviceId>           turn down a device asking to join your account
  candor --home DIR devices                   list your devices
  candor --home DIR revoke <deviceId>         revoke a device and remove it from your conversations
${RECOVERY_USAGE}
${ARCHIVE_USAGE}
  candor --home DIR send <user-or-conversation> <text>
  candor --home DIR send <user-or-conversation> --file PATH [text]   send a file (encrypted here)
  candor --home DIR download <attachment-id> <dir>   save a received file, its SHA-256 checked
  candor --home DIR read                      print and acknowledge new messages
  candor --home DIR reply <conversation> <message-id> <text>   reply quoting a message (ids: ≥ 8-character prefix)
  candor --home DIR edit <conversation> <message-id> <text>    edit one of your messages (the earlier text is kept)
  candor --home DIR delete <conversation> <message-id>         delete one of your messages for everyone
  candor --home DIR react <conversation> <message-id> <emoji> [--remove]   add or withdraw a reaction
  candor --home DIR rename <conversation> <name>   rename the conversation for everyone in it
  candor --home DIR topic <conversation> <text>    set the conversation's topic
  candor --home DIR mark-read <conversation>   mark it read (senders are told, unless read receipts are off)
  candor --home DIR chat <user-or-conversation>   interactive chat
  candor --home DIR groups                    list conversations
  candor --home DIR hide <conversation> [--erase]   take a conversation off your list (it comes back with
                                              its next message); --erase also deletes its history here
  candor --home DIR search <query> [--limit N]   search your history on this device (never on the
                                              server): messages holding every word, newest first
  candor --home DIR name [<display name>]     show or set your display name (sent encrypted to your
                                              conversations; shown next to your user id, never instead)
  candor --home DIR people <query>            find people: your organisation's members by user id
                                              prefix, and people you talk to by id or display name
  candor --home DIR invite [--uses N] [--days D]  a link that lets someone become your contact and
                                              start a conversation with you (the secret only in the link)
  candor --home DIR invite <conversation> [--uses N] [--days D]   a link to a conversation you are in:
                                              this device adds whoever uses it when it is next online
                                              (candor read); the server never learns the conversation
  candor --home DIR invites | invite-revoke <id>  your invite links (a group link names its conversation); revoke one
  candor --home DIR join <link> [--wait]      use someone's invite link: prints the conversation; a group
                                              link asks its creator's device to add you (--wait: until
                                              it has, then prints the group; exit 1 after 60 s)
  candor --home DIR create <user> [<user> …]  start a group conversation
  candor --home DIR add|remove <conversation> <user> [<user> …]
  candor --home DIR leave <conversation>
  candor --home DIR who <conversation>        who can read this conversation
  candor --home DIR timer <conversation> [<duration>|off]   disappearing messages: show, or set (30s, 5m, 1h, 7d)
  candor --home DIR safety <user>             the safety number to compare with a contact
  candor --home DIR policy                    your organisation's policy: which version applies, since when (checked)
  candor --home DIR data-rights [request export|deletion | withdraw <id>]   whether your export and
                                              erasure wait for an admin's approval, and your requests;
                                              ask for one; withdraw your own pending request
  candor --home DIR requests                  contact requests: first conversations from people you
                                              have not talked to (at most 20 messages wait per request)
  candor --home DIR accept|decline <requestId>   accept (their messages arrive) or decline (dropped;
                                              the sender is not told)
  candor --home DIR block|unblock <user>      block: their messages and requests to you are not delivered
  candor --home DIR blocks                    the people you block
  candor --server URL --home DIR witness [--name N] [--interval S] [--once]   cosign the key directory
                                              (prints its verifier key first: the server's operator
                                              must name it with serve --witness before it is accepted)
  candor --home DIR account delete --yes      erase your account; prints the signed deletion receipt
  candor --server URL --home DIR export <out-dir>   your data as a signed BagIt folder (built here)
  candor verify-export <dir> [--log-key VKEY] [--directory-key VKEY]
                                              check every hash, proof and signature of an export;
                                              with pinned keys, that the log and directory signed it
  candor --home DIR consents                  your consent ledger (signed records) and what is given
  candor --home DIR consent give|withdraw <purpose> <scope>   add a signed consent record
  candor --home DIR receipts [--log-key VKEY]  who accessed your data: access receipts, proven in the log;
                                              exits 3 if the server kept one your directory entry commits to
${ADMIN_USAGE}
${ORG_USAGE}
${COMPLIANCE_USAGE}

Add --json for one JSON object per line.`

/** A user named on the command line, as a person types it: "Alice@ACME.example" is alice@acme.example. */
function user(s: string): string {
  return normaliseUserName(s, 'user')
}

function need(args: string[], n: number, what: string): void {
  if (args.length < n) throw new CandorError('bad_request', `missing ${what}\n\n${USAGE}`)
}

export async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseIds(argv, {
      server: { type: 'string' },
      home: { type: 'string' },
      json: { type: 'boolean' },
      name: { type: 'string' },
      wait: { type: 'boolean' },
      sso: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      data: { type: 'string' },
      host: { type: 'string' },
      store: { type: 'string' },
      bus: { type: 'string' },
      'bus-ca': { type: 'string' },
      'bus-cert': { type: 'string' },
      'bus-key': { type: 'string' },
      'bus-tls': { type: 'boolean' },
      'bus-user': { type: 'string' },
      'bus-creds': { type: 'string' },
      'bus-nkey': { type: 'string' },
      'metrics-port': { type: 'string' },
      'http-rate': { type: 'string' },
      'lookup-rate': { type: 'string' },
      'metrics-host': { type: 'string' },
      'log-level': { type: 'string' },
      'web-root': { type: 'string' },
      'node-id': { type: 'string' },
      interval: { type: 'string' },
      once: { type: 'boolean' },
      why: { type: 'string' },
      case: { type: 'string' },
      'delay-until': { type: 'string' },
      org: { type: 'string' },
      role: { type: 'string' },
      out: { type: 'string' },
      file: { type: 'string' },
      yes: { type: 'boolean' },
      'log-key': { type: 'string' },
      'directory-key': { type: 'string' },
      'key-file': { type: 'string' },
      'drop-old': { type: 'boolean' },
      'signs-in': { type: 'string' },
      witness: { type: 'string', multiple: true },
      'open-signup': { type: 'boolean' },
      erase: { type: 'boolean' },
      limit: { type: 'string' },
      uses: { type: 'string' },
      days: { type: 'string' },
      'no-open-signup': { type: 'boolean' },
      signup: { type: 'string' },
      secret: { type: 'string' },
      history: { type: 'string' },
      'revoke-others': { type: 'boolean' },
      jsonl: { type: 'boolean' },
      approval: { type: 'string' },
      from: { type: 'string' },
      remove: { type: 'boolean' },
      'update-every': { type: 'string' },
      'sweep-every': { type: 'string' },
      k: { type: 'string' },
      conversation: { type: 'string', multiple: true },
      person: { type: 'string', multiple: true },
      to: { type: 'string' },
      until: { type: 'string' },
      archive: { type: 'string' },
    })
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, ...args] = positionals
  if (!command || values.help) {
    process.stdout.write(`${USAGE}\n`)
    return command || values.help ? 0 : 2
  }
  const g: GlobalFlags = {
    server: typeof values.server === 'string' ? values.server : process.env.CANDOR_SERVER,
    home: resolve(typeof values.home === 'string' ? values.home : (process.env.CANDOR_HOME ?? '.candor/device')),
    json: values.json === true,
  }
  const name = typeof values.name === 'string' ? values.name : undefined
  const logKey = typeof values['log-key'] === 'string' ? values['log-key'] : undefined
  const directoryKey = typeof values['directory-key'] === 'string' ? values['directory-key'] : undefined
  try {
    switch (command) {
      case 'serve':
        return await serve(readServeConfig(values, process.env))
      case 'keys': {
        const flags = values as Record<string, string | boolean | undefined>
        const file = readKeyFilePath(flags, process.env)
        return await keys(args[0], {
          keyFile: file.path,
          keysInEnv: process.env[SERVER_KEYS_ENV] !== undefined && !file.explicit,
          dropOld: values['drop-old'] === true,
          signsIn: typeof values['signs-in'] === 'string' ? values['signs-in'] : undefined,
          json: g.json,
        })
      }
      case 'register':
      case 'init': {
        const org = typeof values.org === 'string' ? values.org : undefined
        if (org === undefined) need(args, 1, 'user id')
        return await register(g, args[0] === undefined ? undefined : user(args[0]), name ?? 'cli', org, values.sso === true)
      }
      case 'enrol': {
        need(args, 1, 'user id')
        const org = typeof values.org === 'string' ? values.org : undefined
        if (values.sso === true && org === undefined) throw new CandorError('bad_request', '--sso needs --org ORG (the organisation whose identity provider to sign in with)')
        return await enrol(g, user(args[0]!), name ?? 'cli', values.wait === true, values.sso === true ? org : undefined)
      }
      case 'sso-login': {
        const org = typeof values.org === 'string' ? values.org : undefined
        if (org === undefined) throw new CandorError('bad_request', `sso-login needs --org ORG\n\n${USAGE}`)
        return await ssoLogin(g, org)
      }
      case 'approve':
        need(args, 1, 'device id')
        if (typeof values.history === 'string') return await approveWithHistory(g, args[0]!, values.history)
        return await approve(g, args[0]!)
      case 'recovery':
        if (args[0] === 'setup') return await recoverySetup(g)
        if (args[0] === 'backup') return await recoveryBackup(g)
        throw new CandorError('bad_request', `recovery setup | recovery backup\n\n${USAGE}`)
      case 'recover':
        need(args, 1, 'user id')
        return await recover(g, user(args[0]!), typeof values.secret === 'string' ? values.secret : undefined, name ?? 'recovered', values['revoke-others'] === true)
      case 'history':
        return await receiveHistory(g, values.wait === true ? 60 : 0)
      case 'deny':
        need(args, 1, 'device id')
        return await deny(g, args[0]!)
      case 'devices':
        return await devices(g)
      case 'requests':
        return await requests(g)
      case 'accept':
      case 'decline':
        need(args, 1, 'request id')
        return await settle(g, command, args[0]!)
      case 'block':
      case 'unblock':
        need(args, 1, 'user id')
        return await blocking(g, command, user(args[0]!))
      case 'blocks':
        return await blocks(g)
      case 'revoke':
        need(args, 1, 'device id')
        return await revoke(g, args[0]!)
      case 'send':
        if (typeof values.file === 'string') {
          need(args, 1, 'recipient')
          return await sendFile(g, args[0]!, values.file, args.slice(1).join(' '))
        }
        need(args, 2, 'recipient and text')
        return await send(g, args[0]!, args.slice(1).join(' '))
      case 'reply':
        need(args, 3, 'conversation, message id and text')
        return await reply(g, args[0]!, args[1]!, args.slice(2).join(' '))
      case 'edit':
        need(args, 3, 'conversation, message id and text')
        return await edit(g, args[0]!, args[1]!, args.slice(2).join(' '))
      case 'delete':
        need(args, 2, 'conversation and message id')
        return await deleteMessage(g, args[0]!, args[1]!)
      case 'react':
        need(args, 3, 'conversation, message id and emoji')
        return await react(g, args[0]!, args[1]!, args[2]!, values.remove === true)
      case 'rename':
        need(args, 2, 'conversation and name')
        return await rename(g, args[0]!, { name: args.slice(1).join(' ') })
      case 'topic':
        need(args, 2, 'conversation and topic')
        return await rename(g, args[0]!, { topic: args.slice(1).join(' ') })
      case 'mark-read':
        need(args, 1, 'conversation')
        return await markRead(g, args[0]!)
      case 'download':
        need(args, 2, 'attachment id and folder')
        return await downloadCommand(g, args[0]!, args[1]!)
      case 'read':
        return await read(g)
      case 'chat':
        need(args, 1, 'recipient')
        return await chat(g, args[0]!)
      case 'groups':
        return await groups(g)
      case 'hide':
        need(args, 1, 'conversation')
        return await hide(g, args[0]!, values.erase === true)
      case 'search':
        need(args, 1, 'query')
        return await search(g, args.join(' '), typeof values.limit === 'string' ? Number(values.limit) : undefined)
      case 'name':
        return await setName(g, args.length > 0 ? args.join(' ') : undefined)
      case 'people':
        need(args, 1, 'query')
        return await people(g, args.join(' '))
      case 'invite':
        return await invite(g, args[0], typeof values.uses === 'string' ? values.uses : undefined, typeof values.days === 'string' ? values.days : undefined)
      case 'invites':
        return await invites(g)
      case 'invite-revoke':
        need(args, 1, 'invite id')
        return await revokeInvite(g, args[0]!)
      case 'join':
        need(args, 1, 'invite link')
        return await join(g, args[0]!, values.wait === true)
      case 'create':
        need(args, 1, 'at least one user')
        return await create(g, args.map(user))
      case 'add':
      case 'remove':
        need(args, 2, 'conversation and users')
        return await membership(g, command, args[0]!, args.slice(1).map(user))
      case 'leave':
        need(args, 1, 'conversation')
        return await leave(g, args[0]!)
      case 'archive': {
        const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
        if (args[0] === 'keys') return await withDevice(g, (c) => archiveKeys(c, g, complianceFlags(values)))
        return await archive(g, args[0], args.slice(1), { org: str('org'), keyFile: str('key-file'), out: str('out'), updateEvery: str('update-every'), sweepEvery: str('sweep-every') })
      }
      case 'who':
        need(args, 1, 'conversation')
        return await who(g, args[0]!)
      case 'timer':
        need(args, 1, 'conversation')
        return await timer(g, args[0]!, args[1])
      case 'policy': {
        const client = await openDevice(g)
        try {
          return await myPolicy(client, g)
        } finally {
          client.close()
        }
      }
      case 'safety':
        need(args, 1, 'user')
        return await safety(g, user(args[0]!))
      case 'witness':
        return await witness(g, name, Number(values.interval ?? 10), values.once === true)
      case 'receipts':
        return await receipts(g, logKey)
      case 'consents':
        return await consents(g)
      case 'data-rights':
        return await dataRights(g, args[0], args.slice(1))
      case 'consent':
        return await consent(g, args[0], args[1], args[2])
      case 'export':
        need(args, 1, 'output folder')
        return await exportData(g, resolve(args[0]!))
      case 'verify-export':
        need(args, 1, 'export folder')
        if (await isEdiscoveryExport(resolve(args[0]!))) return await verifyEdiscoveryDir(g, resolve(args[0]!), logKey)
        return await verifyExportDir(g, resolve(args[0]!), { ...(logKey !== undefined ? { logKey } : {}), ...(directoryKey !== undefined ? { directoryKey } : {}) })
      case 'account':
        return await accountDelete(g, args[0], values.yes === true)
      case 'compliance':
        return await withDevice(g, (c) => compliance(c, g, args[0], args.slice(1), complianceFlags(values)))
      case 'admin': {
        const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
        return await admin(g, args[0], args.slice(1), {
          why: str('why'),
          case: str('case'),
          delayUntil: str('delay-until'),
          org: str('org'),
          role: str('role'),
          out: str('out'),
          approval: str('approval'),
        })
      }
      case 'org': {
        const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
        return await org(g, args[0], args.slice(1), {
          name,
          signup: str('signup'),
          why: str('why'),
          case: str('case'),
          delayUntil: str('delay-until'),
          jsonl: values.jsonl === true,
          from: str('from'),
          approval: str('approval'),
        })
      }
      default:
        process.stderr.write(`unknown command "${command}"\n\n${USAGE}\n`)
        return 2
    }
  } catch (e) {
    if (e instanceof CandorError) {
      if (g.json) process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`)
      process.stderr.write(`error (${e.code}): ${e.message}\n`)
      return 1
    }
    process.stderr.write(`error: ${(e as Error).message ?? String(e)}\n`)
    return 1
  }
}

/** parseArgs, with ids that begin with "-" kept as arguments (id-arguments.ts). */
function parseIds<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  const shield = shieldIdArguments(argv, new Set(Object.keys(options)))
  const { values, positionals } = parseArgs({ args: shield.args, allowPositionals: true, strict: false, options })
  return { values: restoreValues(values, shield.restore), positionals: positionals.map(shield.restore) }
}
