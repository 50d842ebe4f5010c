// @candor/crypto — browser-safe entry point (no node: modules here).
export { CIPHERSUITE, getSuite } from './ciphersuite.ts';
export {
  webCryptoProvider,
  detectWebCryptoFeatures,
  type WebCryptoFeatures,
  type WebCryptoProviderOptions,
} from './webcrypto-provider.ts';
export {
  encodeDeviceCredential,
  decodeDeviceCredential,
  MAX_ID_LENGTH,
  type DeviceIdentity,
} from './device-credential.ts';
export {
  DirectoryAuthenticationService,
  clientConfigWith,
  type DirectoryResolver,
} from './directory-authentication.ts';
export { generateDeviceKey, signDetached, verifyDetached, type DeviceKeyPair } from './device-key.ts';
export { safetyNumber, type SafetyParty } from './safety-number.ts';
export {
  encryptAttachment,
  decryptAttachment,
  MAX_ATTACHMENT_BYTES,
  type EncryptedAttachment,
} from './attachment.ts';
