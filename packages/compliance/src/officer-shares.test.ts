// The key ceremony, k-of-n opening and re-splitting when an officer leaves, through the real
// `shamir-secret-sharing` and HPKE: k shares open, k − 1 do not, a leaver's old share does not
// combine with the new version's shares.
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { deviceIdFromKey, toBase64Url } from '@candor/protocol'
import { combineShares, keyCeremony, openOwnShare, checkThreshold, type OfficerDevice } from './officer-shares.ts'
import { approveUnlock, openUnlock, verifyApproval, type UnlockRequestBody } from './unlock.ts'
import { newX25519KeyPair } from './hpke-to-device.ts'

function officer(name: string) {
  const secretKey = ed25519.utils.randomSecretKey()
  const publicKey = ed25519.getPublicKey(secretKey)
  const dev: OfficerDevice = { user: `${name}@acme.example`, device: deviceIdFromKey(publicKey), publicKey }
  return { secretKey, dev }
}

describe('officer shares', () => {
  const officers = ['olga', 'omar', 'oona'].map(officer)

  it('k of n shares open the archive key; k − 1 do not', async () => {
    const { record, shares, archivePrivateKey } = await keyCeremony('acme', 1, 2, officers.map((o) => o.dev), 1000)
    expect(record).toMatchObject({ org: 'acme', version: 1, k: 2, n: 3 })
    const opened = await Promise.all(shares.map((s, i) => openOwnShare(officers[i]!.secretKey, 'acme', 1, s)))
    expect(await combineShares(record, [opened[0]!, opened[2]!])).toEqual(archivePrivateKey)
    expect(await combineShares(record, opened)).toEqual(archivePrivateKey)
    await expect(combineShares(record, [opened[1]!])).rejects.toThrow(/1 share\(s\) given; opening the archive takes k = 2/)
    // k − 1 shares padded with a forged one combine to something else, which is refused.
    const forged = opened[0]!.slice()
    forged[0]! ^= 1
    await expect(combineShares(record, [forged, opened[1]!])).rejects.toThrow(/do not combine to archive key version 1/)
  })

  it('a share opens only with its own device key and for its own organisation and version', async () => {
    const { shares } = await keyCeremony('acme', 1, 2, officers.map((o) => o.dev), 1000)
    await expect(openOwnShare(officers[1]!.secretKey, 'acme', 1, shares[0]!)).rejects.toThrow(/does not open with this key/)
    await expect(openOwnShare(officers[0]!.secretKey, 'globex', 1, shares[0]!)).rejects.toThrow(/does not open/)
    await expect(openOwnShare(officers[0]!.secretKey, 'acme', 2, shares[0]!)).rejects.toThrow(/does not open/)
  })

  it('re-split when an officer leaves: the leaver’s old share does not combine with the new shares', async () => {
    const v1 = await keyCeremony('acme', 1, 2, officers.map((o) => o.dev), 1000)
    const leaverShare = await openOwnShare(officers[2]!.secretKey, 'acme', 1, v1.shares[2]!)
    const stay = officers.slice(0, 2)
    const v2 = await keyCeremony('acme', 2, 2, stay.map((o) => o.dev), 2000)
    expect(v2.record.archiveKey).not.toBe(v1.record.archiveKey)
    const newShares = await Promise.all(v2.shares.map((s, i) => openOwnShare(stay[i]!.secretKey, 'acme', 2, s)))
    expect(await combineShares(v2.record, newShares)).toEqual(v2.archivePrivateKey)
    for (const s of newShares) await expect(combineShares(v2.record, [leaverShare, s])).rejects.toThrow(/do not combine/)
  })

  it('refuses thresholds that give one officer the key, or more than n', () => {
    expect(() => checkThreshold(1, 3)).toThrow(/k ≥ 2/)
    expect(() => checkThreshold(4, 3)).toThrow(/k must be 1 to n = 3/)
    expect(() => checkThreshold(1, 0)).toThrow(/n must be/)
    expect(() => checkThreshold(1, 1)).not.toThrow()
  })
})

describe('unlock approvals', () => {
  const officers = ['olga', 'omar', 'oona'].map(officer)

  it('k approvals re-sealed to the request open the key; k − 1 cannot; a signature binds the approval', async () => {
    const { record, shares, archivePrivateKey } = await keyCeremony('acme', 1, 2, officers.map((o) => o.dev), 1000)
    const eph = newX25519KeyPair()
    const request: UnlockRequestBody = { scope: { conversations: [], people: ['erin@acme.example'], from: 0, to: 9e12 }, why: 'legal_obligation', case: 'C-1', keyVersion: 1, ephemeralKey: toBase64Url(eph.publicKey) }
    const text = JSON.stringify(request)
    const approvals = await Promise.all(
      [0, 1].map((i) =>
        approveUnlock({ org: 'acme', requestId: 'R1', requestText: text, request, ownShare: shares[i]!, deviceSecretKey: officers[i]!.secretKey, user: officers[i]!.dev.user, device: officers[i]!.dev.device, at: 5 }),
      ),
    )
    expect(verifyApproval(approvals[0]!.approval, approvals[0]!.signature, officers[0]!.dev.publicKey)).toBe(true)
    expect(verifyApproval(approvals[0]!.approval, approvals[0]!.signature, officers[1]!.dev.publicKey)).toBe(false)
    expect(verifyApproval({ ...approvals[0]!.approval, request: 'R2' }, approvals[0]!.signature, officers[0]!.dev.publicKey)).toBe(false)
    expect(verifyApproval(approvals[0]!.approval, 'garbage', officers[0]!.dev.publicKey)).toBe(false)
    expect(await openUnlock(record, 'R1', eph.secretKey, approvals.map((a) => a.approval))).toEqual(archivePrivateKey)
    await expect(openUnlock(record, 'R1', eph.secretKey, [approvals[0]!.approval])).rejects.toThrow(/takes k = 2/)
    await expect(openUnlock(record, 'R1', newX25519KeyPair().secretKey, approvals.map((a) => a.approval))).rejects.toThrow(/does not open/)
  })
})
