// Types of the part of http_ece (RFC 8188 / RFC 8291 content encoding, used by web-push) the
// Web Push test uses to decrypt what reached its receiver.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto'
  export function decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string }): Buffer
}
