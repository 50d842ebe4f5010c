// Who is in a group, read from a state's ratchet tree: each leaf's device (from its
// credential) and signature key. Leaves whose credential is not a Candor device credential
// are left out; the authentication service never admits one, so none is expected.
import type { RatchetTree } from 'ts-mls';
import { decodeDeviceCredential } from '../device-credential.ts';
import type { GroupState } from './mls-types.ts';

export interface Leaf {
  leafIndex: number;
  userId: string;
  deviceId: string;
  signatureKey: Uint8Array;
}

export function leafAt(tree: RatchetTree, leafIndex: number): Leaf | undefined {
  const node = tree[leafIndex * 2];
  if (!node || node.nodeType !== 'leaf') return undefined;
  const who = decodeDeviceCredential(node.leaf.credential);
  return who ? { leafIndex, userId: who.userId, deviceId: who.deviceId, signatureKey: node.leaf.signaturePublicKey } : undefined;
}

/** Every member device, in leaf order. */
export function leaves(state: GroupState): Leaf[] {
  const out: Leaf[] = [];
  for (let i = 0; i < state.ratchetTree.length; i += 2) {
    const leaf = leafAt(state.ratchetTree, i / 2);
    if (leaf) out.push(leaf);
  }
  return out;
}

export function ownLeafIndex(state: GroupState): number {
  return state.privatePath.leafIndex;
}

export function epochOf(state: GroupState): number {
  return Number(state.groupContext.epoch);
}

/** True once this device has processed a commit that removed it. */
export function isRemoved(state: GroupState): boolean {
  return state.groupActiveState.kind === 'removedFromGroup';
}
