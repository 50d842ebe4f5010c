// Enrolment signatures are checked once per exact enrolment (directory.ts): an enrolment that
// checked out for one user, key or approver is not taken for any other.
import { approvalStatement, deviceIdFromKey, registrationStatement, toBase64Url, type DirectoryDevice } from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { describe, expect, it } from 'vitest'
import { attestationValid } from './directory.ts'

function selfRegistered(userId: string): { device: DirectoryDevice; secretKey: Uint8Array } {
  const { secretKey, publicKey } = generateDeviceKey()
  const key = toBase64Url(publicKey)
  const id = deviceIdFromKey(publicKey)
  return { secretKey, device: { id, key, by: id, byKey: key, sig: toBase64Url(signDetached(secretKey, registrationStatement(userId, key))) } }
}

describe('enrolment signatures remembered once checked', () => {
  it('an enrolment that checked out is still refused for another user, key, approver or signature', () => {
    const { device } = selfRegistered('alice')
    // Checked (and remembered) first, so a memo keyed on less than every field would answer below.
    expect(attestationValid('alice', device)).toBe(true)
    expect(attestationValid('alice', device)).toBe(true)
    expect(attestationValid('bob', device)).toBe(false)
    const other = selfRegistered('alice').device
    expect(attestationValid('alice', other)).toBe(true)
    // Another device's key under this signature, this key under another's signature.
    expect(attestationValid('alice', { ...device, key: other.key, byKey: other.key })).toBe(false)
    expect(attestationValid('alice', { ...device, sig: other.sig })).toBe(false)
    expect(attestationValid('alice', { ...device, by: other.id })).toBe(false)
  })

  it('an approval is bound to its approver: the same signature with another approver key is refused', () => {
    const approver = selfRegistered('alice')
    const { publicKey } = generateDeviceKey()
    const key = toBase64Url(publicKey)
    const approved: DirectoryDevice = { id: deviceIdFromKey(publicKey), key, by: approver.device.id, byKey: approver.device.key, sig: toBase64Url(signDetached(approver.secretKey, approvalStatement(approver.device.id, 'alice', key))) }
    expect(attestationValid('alice', approved)).toBe(true)
    const impostor = selfRegistered('alice').device
    expect(attestationValid('alice', { ...approved, by: impostor.id, byKey: impostor.key })).toBe(false)
    expect(attestationValid('carol', approved)).toBe(false)
  })
})
