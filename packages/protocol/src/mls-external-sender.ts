// The server's MLS external sender (docs/protocol.md §5.7): `GET /v1/mls/external-sender`
// answers its Ed25519 public key and the access-log key's signature over
// `candor/mls-external-sender/v1\n<publicKey base64url>\n`. Clients put it in every group they
// create (one `external_senders` extension) and accept it only when the signature verifies with
// the access-log key they pinned.
import { z } from 'zod'
import { fromBase64Url } from './bytes.ts'

const b64 = (bytes: number) =>
  z.string().refine((s) => fromBase64Url(s)?.length === bytes, { message: `${bytes} bytes as canonical unpadded base64url` })

export const externalSenderResponse = z.strictObject({
  publicKey: b64(32),
  endorsement: b64(64),
})
export type ExternalSenderResponse = z.infer<typeof externalSenderResponse>
