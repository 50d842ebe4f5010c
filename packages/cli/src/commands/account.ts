// Devices and accounts: register, enrol, approve, deny, devices, revoke.
import { CandorClient } from '@candor/sdk'
import { clientOptions, connectedDevice, openDevice, type GlobalFlags } from '../device-session.ts'
import { CandorError } from '@candor/protocol'
import { printJson } from '../output.ts'
import { enrolWithSso, registerWithSso } from './sso.ts'

/** Registers; an organisation that requires SSO (or `--sso`) goes through the device flow first. */
export async function register(g: GlobalFlags, userId: string | undefined, deviceName: string, org?: string, sso = false): Promise<number> {
  if (org !== undefined && (sso || userId === undefined)) return registerWithSso(g, userId, deviceName, org)
  if (userId === undefined) throw new CandorError('bad_request', 'missing user id (or give --org ORG to sign in with its identity provider)')
  let client: CandorClient
  try {
    client = await CandorClient.register(await clientOptions(g), userId, deviceName, org)
  } catch (e) {
    if (org !== undefined && e instanceof CandorError && e.code === 'unauthenticated' && e.details?.['ssoRequired'] === org) return registerWithSso(g, userId, deviceName, org)
    throw e
  }
  if (g.json) printJson({ userId: client.userId, deviceId: client.deviceId })
  else process.stdout.write(`registered ${client.userId}, device ${client.deviceId}\n`)
  client.close()
  return 0
}

export async function enrol(g: GlobalFlags, userId: string, deviceName: string, wait: boolean, ssoOrg?: string): Promise<number> {
  const client = ssoOrg !== undefined ? await enrolWithSso(g, userId, deviceName, ssoOrg) : await CandorClient.enrol(await clientOptions(g), userId, deviceName)
  if (g.json) printJson({ userId, deviceId: client.deviceId, status: 'pending' })
  else process.stdout.write(`device ${client.deviceId} asks to join ${userId}; approve it from another device:\n  candor approve ${client.deviceId}\n`)
  if (wait) {
    await client.waitForApproval()
    if (!g.json) process.stdout.write('approved\n')
  }
  client.close()
  return 0
}

export async function approve(g: GlobalFlags, deviceId: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const r = await client.approve(deviceId)
    if (r?.held) {
      // devices.adminApproval: an admin of the organisation approves it too (candor org approve-device).
      if (g.json) printJson({ approved: deviceId, held: true })
      else process.stdout.write(`approved ${deviceId}; your organisation holds it until an admin approves it too (it cannot sign in until then)\n`)
      return 0
    }
    if (g.json) printJson({ approved: deviceId })
    else process.stdout.write(`approved ${deviceId} and added it to your conversations\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function deny(g: GlobalFlags, deviceId: string): Promise<number> {
  const client = await openDevice(g)
  try {
    await client.deny(deviceId)
    if (g.json) printJson({ denied: deviceId })
    else process.stdout.write(`denied ${deviceId}: its request is gone\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function devices(g: GlobalFlags): Promise<number> {
  const client = await openDevice(g)
  try {
    const list = await client.devices()
    const pending = list.filter((d) => d.status === 'pending')
    if (g.json) for (const d of list) printJson({ ...d, current: d.deviceId === client.deviceId })
    else {
      for (const d of list) {
        const mark = d.deviceId === client.deviceId ? ' (this device)' : ''
        process.stdout.write(`${d.deviceId}  ${d.status.padEnd(8)} ${d.name}${mark}\n`)
      }
      if (pending.length > 0) process.stdout.write(`approve a pending device with: candor approve <deviceId>, or turn it down: candor deny <deviceId>\n`)
    }
  } finally {
    client.close()
  }
  return 0
}

export async function revoke(g: GlobalFlags, deviceId: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    await client.revoke(deviceId)
    if (g.json) printJson({ revoked: deviceId })
    else process.stdout.write(`revoked ${deviceId} and removed it from your conversations\n`)
  } finally {
    client.close()
  }
  return 0
}
