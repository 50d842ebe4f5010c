// Which of our suites an MLS object is in, and its primitives. A group keeps the suite it was
// created with for life (RFC 9420 §11.2 forbids changing it), so everything after creation picks
// the suite from the group, the GroupInfo, the Welcome or the KeyPackage in hand.
import type { CryptoProvider } from 'ts-mls';
import { CandorError, type ErrorCode } from '@candor/protocol';
import { SUITES, getSuite, isOurSuite, type SuiteName } from '../ciphersuite.ts';
import type { GroupState, MlsSuite } from './mls-types.ts';

/** Every suite Candor speaks, built from one provider. */
export type MlsSuites = Readonly<Record<SuiteName, MlsSuite>>;
/** One suite (the object must be in it) or all of ours (the object's own is picked). */
export type SuiteChoice = MlsSuite | MlsSuites;

/** Both suites from `provider` (each built once per provider, as getSuite builds it). */
export async function getSuites(provider: CryptoProvider): Promise<MlsSuites> {
  const built = await Promise.all(SUITES.map((n) => getSuite(provider, n)));
  return Object.freeze(Object.fromEntries(SUITES.map((n, i) => [n, built[i]!]))) as MlsSuites;
}

function isOne(choice: SuiteChoice): choice is MlsSuite {
  return 'hpke' in choice;
}

/**
 * The suite named `name` out of `choice`; CandorError(code) if it is not one of ours, or not the
 * one suite given.
 */
export function pickSuite(choice: SuiteChoice, name: string, code: ErrorCode): MlsSuite {
  if (isOne(choice)) {
    if (choice.name !== name) throw new CandorError(code, `cipher suite must be ${choice.name}, not ${name}`);
    return choice;
  }
  if (!isOurSuite(name)) throw new CandorError(code, `cipher suite must be one of ${SUITES.join(', ')}, not ${name}`);
  return choice[name];
}

/** The suite of a group this device is in. */
export function suiteOfGroup(suites: MlsSuites, state: GroupState): MlsSuite {
  return pickSuite(suites, state.groupContext.cipherSuite, 'invalid_mls_message');
}

/** The name of a group's suite. */
export function groupSuiteName(state: GroupState): SuiteName {
  const name = state.groupContext.cipherSuite;
  if (!isOurSuite(name)) throw new CandorError('invalid_mls_message', `unsupported cipher suite ${name}`);
  return name;
}
