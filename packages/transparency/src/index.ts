export { EMPTY_ROOT, merkleLeafHash, merkleNodeHash } from './merkle-hash.ts'
export { merkleConsistencyProof, merkleInclusionProof, merkleRoot } from './merkle-proofs.ts'
export { MerkleLog } from './merkle-log.ts'
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle-verify.ts'
