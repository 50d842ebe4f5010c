// Devices and accounts: register, enrol, approve, deny, devices, revoke.
import { CandorClient } from '@candor/sdk'
import { clientOptions, connectedDevice, openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export async function register(g: GlobalFlags, userId: string, deviceName: string, org?: string): Promise<number> {
  const client = await CandorClient.register(await clientOptions(g), userId, deviceName, org)
  if (g.json) printJson({ userId: client.userId, deviceId: client.deviceId })
  else process.stdout.write(`registered ${client.userId}, device ${client.deviceId}\n`)
  client.close()
  return 0
}

export async function enrol(g: GlobalFlags, userId: string, deviceName: string, wait: boolean): Promise<number> {
  const client = await CandorClient.enrol(await clientOptions(g), userId, deviceName)
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
    await client.approve(deviceId)
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
