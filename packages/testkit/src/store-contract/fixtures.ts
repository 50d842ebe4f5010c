// Fresh random fixtures for the Store contract: no two tests share an id.
import { expect } from 'vitest'
import {
  CandorError,
  newDeviceId,
  newGroupId,
  newMessageId,
  randomBytes,
  toBase64Url,
  type DeviceId,
  type DeviceStatus,
  type ErrorCode,
  type GroupId,
  type MessageKind,
  type UserId,
} from '@candor/protocol'
import type { Delivery, DeviceRecord, NewMessage, Store } from '@candor/ports'

export type StoreRef = () => Store

export function newUserId(): UserId {
  return `u${Array.from(randomBytes(8), (b) => b.toString(16).padStart(2, '0')).join('')}` as UserId
}

export function deviceRecord(userId: UserId, status: DeviceStatus = 'active', createdAt = Date.now()): DeviceRecord {
  return { deviceId: newDeviceId(), userId, name: `device ${toBase64Url(randomBytes(3))}`, publicKey: randomBytes(32), status, createdAt }
}

/** Registers a user with one active device and returns the device id. */
export async function registeredDevice(store: Store): Promise<DeviceId> {
  const userId = newUserId()
  const d = deviceRecord(userId)
  await store.createUser(userId, d)
  return d.deviceId
}

export async function registeredDevices(store: Store, n: number): Promise<DeviceId[]> {
  return Promise.all(Array.from({ length: n }, () => registeredDevice(store)))
}

export function message(
  sender: DeviceId,
  recipients: readonly DeviceId[],
  extra: { groupId?: GroupId; kind?: MessageKind; sentAt?: number; payload?: Uint8Array } = {},
): NewMessage {
  return {
    messageId: newMessageId(),
    groupId: extra.groupId ?? newGroupId(),
    sender,
    kind: extra.kind ?? 0,
    sentAt: extra.sentAt ?? Date.now(),
    payload: extra.payload ?? randomBytes(40),
    recipients,
  }
}

export function seqsOf(deliveries: readonly Delivery[], deviceId: DeviceId): number[] {
  return deliveries.filter((d) => d.deviceId === deviceId).map((d) => d.seq)
}

export function devicesOf(deliveries: readonly Delivery[]): DeviceId[] {
  return deliveries.map((d) => d.deviceId).sort()
}

export function expectIncreasing(xs: readonly number[]): void {
  for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!)
}

export async function expectCandorError(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e, `expected CandorError('${code}')`).toBeInstanceOf(CandorError)
  expect((e as CandorError).code).toBe(code)
}

export function sorted<T>(xs: Iterable<T>): T[] {
  return [...xs].sort()
}
