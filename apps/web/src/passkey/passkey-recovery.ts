// The recovery secret kept in a passkey (docs/protocol.md §4.2, "In a passkey"): sealed on this
// device with AES-256-GCM under a key derived (HKDF-SHA-256) from the passkey's WebAuthn PRF
// output, and the sealed secret stored in the passkey itself (the largeBlob extension); the
// passkey's user handle is the user id. Nothing of it reaches the server. After losing every
// device, the passkey (synced by the person's platform, or a security key) gives back the user
// id and the secret, and recovery goes on as with a written-down secret.
const LABEL = 'candor/passkey-recovery/v1'
const enc = new TextEncoder()
const dec = new TextDecoder()

export class PasskeyUnsupported extends Error {
  constructor(what: string) {
    super(`This browser's passkeys cannot keep the recovery secret (${what}). Write the secret down instead.`)
  }
}

/** Whether this browser offers passkeys at all (PRF and large-blob support show only when one is made). */
export function passkeysAvailable(): boolean {
  return typeof PublicKeyCredential !== 'undefined' && typeof navigator.credentials?.create === 'function'
}

async function prfSalt(): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(`${LABEL}/prf-salt`)))
}

async function sealingKey(prf: ArrayBuffer, userId: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey('raw', prf, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode(`${LABEL}\n${userId}`) }, ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

function challenge(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32))
}

type Extensions = AuthenticationExtensionsClientOutputs & {
  prf?: { enabled?: boolean; results?: { first?: ArrayBuffer } }
  largeBlob?: { supported?: boolean; written?: boolean; blob?: ArrayBuffer }
}

async function assertion(options: PublicKeyCredentialRequestOptions): Promise<{ cred: PublicKeyCredential; ext: Extensions }> {
  const cred = (await navigator.credentials.get({ publicKey: options })) as PublicKeyCredential | null
  if (!cred) throw new Error('No passkey was used.')
  return { cred, ext: cred.getClientExtensionResults() as Extensions }
}

/** Makes a passkey for the person and keeps the recovery secret in it, sealed under its PRF output. */
export async function savePasskeyRecovery(userId: string, secret: string): Promise<void> {
  const handle = enc.encode(userId)
  if (handle.length > 64) throw new PasskeyUnsupported('the user name is longer than a passkey’s user handle')
  const created = (await navigator.credentials.create({
    publicKey: {
      challenge: challenge(),
      rp: { name: 'Candor' },
      user: { id: handle, name: userId, displayName: userId },
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -257 },
      ],
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      extensions: { prf: {}, largeBlob: { support: 'required' } } as AuthenticationExtensionsClientInputs,
    },
  })) as PublicKeyCredential | null
  if (!created) throw new Error('No passkey was made.')
  const made = created.getClientExtensionResults() as Extensions
  if (!made.prf?.enabled) throw new PasskeyUnsupported('no PRF extension')
  if (!made.largeBlob?.supported) throw new PasskeyUnsupported('no large-blob storage')
  const allowCredentials: PublicKeyCredentialDescriptor[] = [{ type: 'public-key', id: created.rawId }]
  const { ext } = await assertion({ challenge: challenge(), allowCredentials, userVerification: 'required', extensions: { prf: { eval: { first: await prfSalt() } } } as AuthenticationExtensionsClientInputs })
  const prf = ext.prf?.results?.first
  if (!prf) throw new PasskeyUnsupported('no PRF output')
  const nonce = crypto.getRandomValues(new Uint8Array(12))
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: enc.encode(`${LABEL}\n${userId}`) }, await sealingKey(prf, userId), enc.encode(secret)))
  const blob = new Uint8Array(12 + sealed.length)
  blob.set(nonce)
  blob.set(sealed, 12)
  const written = await assertion({ challenge: challenge(), allowCredentials, userVerification: 'required', extensions: { largeBlob: { write: blob } } as AuthenticationExtensionsClientInputs })
  if (!written.ext.largeBlob?.written) throw new PasskeyUnsupported('the passkey did not store the sealed secret')
}

/** Asks for one of this site's passkeys and opens the recovery secret it keeps: the user id and the secret. */
export async function readPasskeyRecovery(): Promise<{ userId: string; secret: string }> {
  const { cred, ext } = await assertion({ challenge: challenge(), userVerification: 'required', extensions: { prf: { eval: { first: await prfSalt() } }, largeBlob: { read: true } } as AuthenticationExtensionsClientInputs })
  const handle = (cred.response as AuthenticatorAssertionResponse).userHandle
  const prf = ext.prf?.results?.first
  const blob = ext.largeBlob?.blob
  if (!handle || !prf || !blob || blob.byteLength < 12 + 16) throw new Error('This passkey keeps no Candor recovery secret.')
  const userId = dec.decode(handle)
  const bytes = new Uint8Array(blob)
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: enc.encode(`${LABEL}\n${userId}`) }, await sealingKey(prf, userId), bytes.slice(12))
    return { userId, secret: dec.decode(plain) }
  } catch {
    throw new Error('The recovery secret in this passkey could not be opened (changed, or sealed by another passkey).')
  }
}
