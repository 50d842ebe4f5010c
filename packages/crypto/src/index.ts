// @candor/crypto — browser-safe entry point (no node: modules here).
export {
  CIPHERSUITE,
  CLASSIC_SUITE,
  DEFAULT_SUITE,
  PQ_SUITE,
  SUITES,
  getSuite,
  isOurSuite,
  suiteId,
  suiteLabel,
  suiteNamed,
  suiteParams,
  type SuiteName,
} from './ciphersuite.ts';
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
export { generateDeviceKey, keyPairFromSeed, signDetached, verifyDetached, type DeviceKeyPair } from './device-key.ts';
export { safetyNumber, type SafetyParty } from './safety-number.ts';
export { hmacSha256, sha256Digest, sha512Digest } from './hash-functions.ts';

// MLS groups as a Candor device uses them (src/mls/). ts-mls is reached only through here.
export type { GroupState, MlsSuite, MlsConfig, AuthenticationService, Credential, CryptoProvider, KeyPackage } from './mls/mls-types.ts';
export {
  newKeyPackage,
  encodeKeyPackage,
  decodeKeyPackage,
  type DeviceKeys,
  type StoredKeyPackage,
} from './mls/key-package.ts';
export { checkKeyPackage, type KeyPackageOwner } from './mls/key-package-check.ts';
export { startGroup } from './mls/group-create.ts';
export { getSuites, groupSuiteName, pickSuite, suiteOfGroup, type MlsSuites, type SuiteChoice } from './mls/suite-choice.ts';
export {
  decodeServerSenderCredential,
  externalSenderStatement,
  externalSendersExtension,
  proposeServerRemoval,
  serverRemovalOf,
  serverSenderCredential,
  serverSenderEndorsed,
  serverSenderOf,
  withServerSender,
  type ServerProposal,
  type ServerSender,
} from './mls/external-sender.ts';
export { commitChanges, type CommitOutput } from './mls/group-commit.ts';
export { commitWithWrongConfirmationTag, junkCommit } from './mls/hostile-commit.ts';
export { encryptApplication } from './mls/application-message.ts';
export { sealEphemeral, openEphemeral } from './mls/ephemeral-seal.ts';
export { processIncoming, type Incoming } from './mls/incoming-message.ts';
export { messageEpoch, isCredentialRejection, isMlsRejection } from './mls/message-facts.ts';
export { joinFromWelcome } from './mls/welcome-join.ts';
export { HANDSHAKE_AAD_EXTENSION, type AuthenticationFor } from './mls/handshake-authentication.ts';
export { groupInfoForExternalJoin, joinByExternalCommit } from './mls/external-join.ts';
export { joinReplacingLeaf } from './mls/external-replace.ts';
export { leaves, ownLeafIndex, epochOf, isRemoved, type Leaf } from './mls/group-members.ts';
export { saveState, loadState } from './mls/group-state-codec.ts';
export { MAX_TREE_LEAVES } from './mls/ts-mls-guards.ts';
export {
  ATTACHMENT_CHUNK_SIZE,
  MAX_ATTACHMENT_CHUNK_SIZE,
  AttachmentDecryptor,
  AttachmentEncryptor,
  AttachmentError,
  chunkCount,
  chunkNonce,
  decryptAttachmentBytes,
  encryptAttachmentBytes,
  encryptedSize,
  newAttachmentKey,
  type AttachmentSecrets,
} from './attachment-stream.ts';
// The delivery service's view of a group: its public state and commits validated against it
// (docs/protocol.md §5.1, §5.2).
export { checkGroupInfo, checkNewGroupInfo, loadPublicGroup, treeLeaves, publicEpoch, type PublicGroup } from './mls/public-group.ts';
export { validatePublicCommit, type ServerProposals, type ValidatedCommit } from './mls/public-commit.ts';
export { newRecoverySecret, parseRecoverySecret, recoveryKeyPair } from './recovery-key.ts';
export { sealArchive, openArchive, type ArchiveParties } from './sealed-archive.ts';
