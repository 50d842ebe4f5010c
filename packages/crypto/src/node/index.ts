// @candor/crypto/node — Node-only adapters.
export { nodeCryptoProvider } from './node-crypto-provider.ts';
export { nodeVerifyDetached } from './verify-detached-node.ts';
