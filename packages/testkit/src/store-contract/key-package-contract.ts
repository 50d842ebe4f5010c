// MLS KeyPackages: one-time packages are handed out at most once, even to concurrent
// claimers; the last-resort package is handed out repeatedly and replaced on upload.
import { expect, it } from 'vitest'
import { randomBytes, toBase64Url } from '@candor/protocol'
import { registeredDevice, type StoreRef } from './fixtures.ts'

const hex = (b: Uint8Array): string => toBase64Url(b)

export function keyPackageContract(store: StoreRef): void {
  it('has nothing to hand out for a device without packages', async () => {
    const d = await registeredDevice(store())
    expect(await store().claimKeyPackage(d)).toBeNull()
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 0, lastResort: false })
  })

  it('hands out each one-time package once, then falls back to the last-resort one', async () => {
    const d = await registeredDevice(store())
    const oneTime = [randomBytes(50), randomBytes(50), randomBytes(50)]
    const lastResort = randomBytes(50)
    await store().addKeyPackages(d, oneTime, lastResort)
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 3, lastResort: true })
    const claimed: string[] = []
    for (let i = 0; i < 3; i++) {
      const c = await store().claimKeyPackage(d)
      expect(c?.lastResort).toBe(false)
      claimed.push(hex(c!.keyPackage))
    }
    expect(claimed.sort()).toEqual(oneTime.map(hex).sort())
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 0, lastResort: true })
    for (let i = 0; i < 2; i++) {
      const c = await store().claimKeyPackage(d)
      expect(c?.lastResort).toBe(true)
      expect(hex(c!.keyPackage)).toBe(hex(lastResort))
    }
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 0, lastResort: true })
  })

  it('replaces the last-resort package on upload and keeps it when none is given', async () => {
    const d = await registeredDevice(store())
    const first = randomBytes(40)
    const second = randomBytes(40)
    await store().addKeyPackages(d, [], first)
    await store().addKeyPackages(d, [], second)
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 0, lastResort: true })
    expect(hex((await store().claimKeyPackage(d))!.keyPackage)).toBe(hex(second))
    const more = randomBytes(40)
    await store().addKeyPackages(d, [more], undefined)
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 1, lastResort: true })
    expect(hex((await store().claimKeyPackage(d))!.keyPackage)).toBe(hex(more))
    expect(hex((await store().claimKeyPackage(d))!.keyPackage)).toBe(hex(second))
  })

  it('keeps each cipher suite’s packages apart: claims, counts and last-resort replacement per suite; suite 1 unless told', async () => {
    const d = await registeredDevice(store())
    const classic = [randomBytes(50), randomBytes(50)]
    const pq = [randomBytes(60)]
    const classicLast = randomBytes(50)
    const pqLast = randomBytes(60)
    await store().addKeyPackages(d, classic, classicLast)
    await store().addKeyPackages(d, pq, pqLast, 83)
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 2, lastResort: true })
    expect(await store().countKeyPackages(d, 1)).toEqual({ oneTime: 2, lastResort: true })
    expect(await store().countKeyPackages(d, 83)).toEqual({ oneTime: 1, lastResort: true })
    expect(await store().countKeyPackages(d, 2)).toEqual({ oneTime: 0, lastResort: false })
    const p1 = await store().claimKeyPackage(d, false, 83)
    expect(p1).toEqual({ keyPackage: pq[0], lastResort: false })
    expect(hex((await store().claimKeyPackage(d, false, 83))!.keyPackage)).toBe(hex(pqLast))
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 2, lastResort: true })
    // A new last-resort package of one suite replaces that suite's only.
    const pqLast2 = randomBytes(60)
    await store().addKeyPackages(d, [], pqLast2, 83)
    expect(hex((await store().claimKeyPackage(d, true, 83))!.keyPackage)).toBe(hex(pqLast2))
    expect(hex((await store().claimKeyPackage(d, true))!.keyPackage)).toBe(hex(classicLast))
    expect(await store().claimKeyPackage(d, false, 2)).toBeNull()
    const c = await store().claimKeyPackage(d)
    expect(classic.map(hex)).toContain(hex(c!.keyPackage))
  })

  it('with lastResortOnly hands out the last-resort package and consumes no one-time one', async () => {
    const d = await registeredDevice(store())
    const oneTime = [randomBytes(50), randomBytes(50)]
    const lastResort = randomBytes(50)
    await store().addKeyPackages(d, oneTime, undefined)
    expect(await store().claimKeyPackage(d, true)).toBeNull()
    await store().addKeyPackages(d, [], lastResort)
    for (let i = 0; i < 3; i++) {
      const c = await store().claimKeyPackage(d, true)
      expect(c?.lastResort).toBe(true)
      expect(hex(c!.keyPackage)).toBe(hex(lastResort))
    }
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 2, lastResort: true })
    expect((await store().claimKeyPackage(d, false))?.lastResort).toBe(false)
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 1, lastResort: true })
  })

  it('keeps packages of different devices apart', async () => {
    const a = await registeredDevice(store())
    const b = await registeredDevice(store())
    const kp = randomBytes(40)
    await store().addKeyPackages(a, [kp], undefined)
    expect(await store().claimKeyPackage(b)).toBeNull()
    expect(hex((await store().claimKeyPackage(a))!.keyPackage)).toBe(hex(kp))
  })

  it('hands out no one-time package twice under concurrent claims', async () => {
    const d = await registeredDevice(store())
    const oneTime = Array.from({ length: 5 }, () => randomBytes(60))
    await store().addKeyPackages(d, oneTime, undefined)
    const claims = await Promise.all(Array.from({ length: 12 }, () => store().claimKeyPackage(d)))
    const got = claims.filter((c) => c !== null)
    expect(got.every((c) => !c.lastResort)).toBe(true)
    expect(got.map((c) => hex(c.keyPackage)).sort()).toEqual(oneTime.map(hex).sort())
    expect(await store().countKeyPackages(d)).toEqual({ oneTime: 0, lastResort: false })
  })

  it('falls back to the last-resort package under concurrent claims without reusing one-time ones', async () => {
    const d = await registeredDevice(store())
    const oneTime = Array.from({ length: 4 }, () => randomBytes(60))
    const lastResort = randomBytes(60)
    await store().addKeyPackages(d, oneTime, lastResort)
    const claims = await Promise.all(Array.from({ length: 10 }, () => store().claimKeyPackage(d)))
    expect(claims.every((c) => c !== null)).toBe(true)
    const fresh = claims.filter((c) => c !== null && !c.lastResort).map((c) => hex(c!.keyPackage))
    expect(fresh.sort()).toEqual(oneTime.map(hex).sort())
    const fallback = claims.filter((c) => c !== null && c.lastResort)
    expect(fallback).toHaveLength(6)
    for (const c of fallback) expect(hex(c!.keyPackage)).toBe(hex(lastResort))
  })
}
