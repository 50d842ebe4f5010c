// A device's HPKE (X25519) public key is the Montgomery form of its Ed25519 key, the map that
// libsodium's crypto_sign_ed25519_pk_to_curve25519 and age's ssh-ed25519 recipients use: the
// key directory already proves the Ed25519 key, so nothing new has to be published or proven.
// u = (1 + y) / (1 - y) mod p.
const P = (1n << 255n) - 19n

function mod(a: bigint): bigint {
  const r = a % P
  return r >= 0n ? r : r + P
}

function inverse(a: bigint): bigint {
  // Fermat: a^(p-2) mod p.
  let result = 1n
  let base = mod(a)
  let e = P - 2n
  while (e > 0n) {
    if (e & 1n) result = (result * base) % P
    base = (base * base) % P
    e >>= 1n
  }
  return result
}

export function x25519FromEd25519(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError('Ed25519 public key must be 32 bytes')
  let y = 0n
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(publicKey[i]!)
  y &= (1n << 255n) - 1n
  if (y >= P || y === 1n) throw new TypeError('not a usable Ed25519 public key')
  let u = mod((1n + y) * inverse(1n - y))
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) {
    out[i] = Number(u & 0xffn)
    u >>= 8n
  }
  return out
}
