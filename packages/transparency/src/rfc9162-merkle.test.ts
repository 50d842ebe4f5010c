import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fromBase64 } from './base64.ts'
import { EMPTY_ROOT, merkleLeafHash, merkleNodeHash } from './merkle-hash.ts'
import { merkleConsistencyProof, merkleInclusionProof, merkleRoot } from './merkle-proofs.ts'
import { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle-verify.ts'

const VECTORS = fileURLToPath(new URL('../../../vectors/rfc9162-merkle/', import.meta.url))

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = `${dir}/${name}`
    return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : []
  })
}

// The vectors come from Go, where a nil slice is an empty proof.
const b64 = (s: string): Uint8Array => {
  const bytes = fromBase64(s)
  if (bytes === null) throw new Error(`bad base64 in vector: ${s}`)
  return bytes
}
const proofOf = (p: string[] | null): Uint8Array[] => (p ?? []).map(b64)

interface InclusionVector {
  leafIdx: number
  treeSize: number
  root: string
  leafHash: string
  proof: string[] | null
  desc: string
  wantErr: boolean
}
interface ConsistencyVector {
  size1: number
  size2: number
  root1: string
  root2: string
  proof: string[] | null
  desc: string
  wantErr: boolean
}

const load = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T
const inclusion = jsonFiles(`${VECTORS}inclusion`).map((p) => [p.slice(VECTORS.length), load<InclusionVector>(p)] as const)
const consistency = jsonFiles(`${VECTORS}consistency`).map((p) => [p.slice(VECTORS.length), load<ConsistencyVector>(p)] as const)

const flip = (bytes: Uint8Array, i = 0): Uint8Array => {
  const copy = bytes.slice()
  copy[i % copy.length]! ^= 0x01
  return copy
}

describe('RFC 9162 inclusion vectors (transparency-dev/merkle)', () => {
  it('found the vector files', () => {
    expect(inclusion.length).toBeGreaterThan(50)
    expect(inclusion.some(([, v]) => !v.wantErr)).toBe(true)
  })
  it.each(inclusion)('%s', (_name, v) => {
    const ok = verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), proofOf(v.proof), b64(v.root))
    expect(ok).toBe(!v.wantErr)
  })
  it('rejects every valid case once a byte flips (negative control)', () => {
    for (const [name, v] of inclusion.filter(([, v]) => !v.wantErr)) {
      const proof = proofOf(v.proof)
      const leaf = b64(v.leafHash)
      const root = b64(v.root)
      expect(verifyInclusion(v.leafIdx, v.treeSize, flip(leaf), proof, root), name).toBe(false)
      expect(verifyInclusion(v.leafIdx, v.treeSize, leaf, proof, flip(root, 31)), name).toBe(false)
      proof.forEach((_, i) => {
        const bad = proof.map((p, j) => (i === j ? flip(p, 7) : p))
        expect(verifyInclusion(v.leafIdx, v.treeSize, leaf, bad, root), name).toBe(false)
      })
    }
  })
})

describe('RFC 9162 consistency vectors (transparency-dev/merkle)', () => {
  it('found the vector files', () => {
    expect(consistency.length).toBeGreaterThan(30)
  })
  it.each(consistency)('%s', (_name, v) => {
    const ok = verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), proofOf(v.proof))
    expect(ok).toBe(!v.wantErr)
  })
  it('rejects every valid case once a byte flips (negative control)', () => {
    for (const [name, v] of consistency.filter(([, v]) => !v.wantErr)) {
      const proof = proofOf(v.proof)
      const r1 = b64(v.root1)
      const r2 = b64(v.root2)
      expect(verifyConsistency(v.size1, v.size2, flip(r1), r2, proof), name).toBe(false)
      expect(verifyConsistency(v.size1, v.size2, r1, flip(r2), proof), name).toBe(false)
      proof.forEach((_, i) => {
        const bad = proof.map((p, j) => (i === j ? flip(p, 9) : p))
        expect(verifyConsistency(v.size1, v.size2, r1, r2, bad), name).toBe(false)
      })
    }
  })
})

describe('RFC 9162 hashing', () => {
  it('uses 0x00/0x01 domain separation and SHA-256("") for the empty tree', () => {
    expect(Buffer.from(EMPTY_ROOT).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    // RFC 6962 test data: the leaf hash of the empty string.
    expect(Buffer.from(merkleLeafHash(new Uint8Array(0))).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    )
    const a = merkleLeafHash(Uint8Array.of(1))
    const b = merkleLeafHash(Uint8Array.of(2))
    expect(merkleRoot([a, b])).toEqual(merkleNodeHash(a, b))
    expect(merkleRoot([])).toEqual(EMPTY_ROOT)
  })

  it('reproduces the vectors\' 8-leaf tree from RFC 6962 test data', () => {
    const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
      .map((hex) => merkleLeafHash(Buffer.from(hex, 'hex')))
    const happy = consistency.find(([name]) => name === 'consistency/2/happy-path.json')?.[1]
    expect(happy).toBeDefined()
    expect(merkleRoot(leaves)).toEqual(b64(happy!.root2))
    expect(merkleRoot(leaves.slice(0, happy!.size1))).toEqual(b64(happy!.root1))
    expect(merkleConsistencyProof(leaves, happy!.size1)).toEqual(proofOf(happy!.proof))
    const incl = inclusion.find(([name]) => name === 'inclusion/2/happy-path.json')?.[1]
    expect(merkleInclusionProof(leaves, incl!.leafIdx)).toEqual(proofOf(incl!.proof))
  })

  it('never throws on garbage', () => {
    const h = new Uint8Array(32)
    const garbage: unknown[] = [undefined, null, -1, 1.5, NaN, 2 ** 60, 'x', {}, [], [1], new Uint8Array(31)]
    for (const g of garbage) {
      const any = g as never
      expect(verifyInclusion(any, 1, h, [], h)).toBe(false)
      expect(verifyInclusion(0, any, h, [], h)).toBe(false)
      expect(verifyInclusion(0, 1, any, [], h)).toBe(false)
      expect(verifyInclusion(0, 2, h, any, h)).toBe(false)
      expect(verifyInclusion(0, 1, h, [], any)).toBe(false)
      expect(rootFromInclusionProof(0, 2, h, [any])).toBe(null)
      expect(verifyConsistency(any, 2, h, h, [h])).toBe(false)
      expect(verifyConsistency(1, any, h, h, [h])).toBe(false)
      expect(verifyConsistency(1, 2, any, h, [h])).toBe(false)
      expect(verifyConsistency(1, 2, h, any, [h])).toBe(false)
      expect(verifyConsistency(1, 2, h, h, any)).toBe(false)
      expect(verifyConsistency(1, 2, h, h, [any])).toBe(false)
    }
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [, h] as unknown as Uint8Array[]
    expect(verifyInclusion(0, 4, h, sparse, h)).toBe(false)
    expect(verifyConsistency(1, 4, h, h, sparse)).toBe(false)
  })
})
