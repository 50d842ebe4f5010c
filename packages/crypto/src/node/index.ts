// @candor/crypto/node — Node-only adapters.
export { nodeCryptoProvider } from './node-crypto-provider.ts';
export { nodeVerifyDetached, useNodeEd25519 } from './verify-detached-node.ts';
export { ed25519VerifyInUse, nobleEd25519Verify, useEd25519Verify, type Ed25519Verify } from '../ed25519-verifier.ts';
export { nodeHashFunctions, useNodeHashes } from './node-hashes.ts';
export { hashFunctionsInUse, nobleHashFunctions, useHashFunctions, type HashFunctions } from '../hash-functions.ts';
