// The server's MLS external-sender key (docs/protocol.md §5.7, docs/server-keys.md): an Ed25519
// key derived from the access-log signing key under its own label (so every node holds it and
// nothing is added to the key file), vouched for by the access-log key itself — the key clients
// pin — so members accept it as their groups' external sender and nothing else does.
import { hkdfSync } from 'node:crypto'
import { externalSenderStatement, keyPairFromSeed, signDetached, type ServerSender } from '@candor/crypto'
import type { ServerKeys } from '../keys/server-keys.ts'

export interface ServerSenderKeys extends ServerSender {
  secretKey: Uint8Array
}

export function serverSenderKeys(keys: ServerKeys): ServerSenderKeys {
  const seed = new Uint8Array(hkdfSync('sha256', keys.accessLogSigningKey, new Uint8Array(0), 'candor/mls-external-sender/v1', 32))
  const pair = keyPairFromSeed(seed)
  return { publicKey: pair.publicKey, secretKey: pair.secretKey, endorsement: signDetached(keys.accessLogSigningKey, externalSenderStatement(pair.publicKey)) }
}
