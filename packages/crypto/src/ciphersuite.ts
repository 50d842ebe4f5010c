import { ciphersuites, getCiphersuiteFromName, type Ciphersuite, type CiphersuiteImpl, type CryptoProvider } from 'ts-mls';

/** RFC 9420 suite 0x0001: every conversation made before the post-quantum suite, and any since with a peer that lacks it. */
export const CLASSIC_SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
/**
 * The hybrid post-quantum suite new conversations use: X-Wing (ML-KEM-768 + X25519) for HPKE,
 * HKDF-SHA512, AES-256-GCM, SHA-512, Ed25519. Its code point (83, 0x0053) is ts-mls's reading of
 * draft-ietf-mls-pq-ciphersuites, which has not settled: provisional (docs/protocol.md §5.0).
 */
export const PQ_SUITE = 'MLS_256_XWING_AES256GCM_SHA512_Ed25519' as const;
/** The suites Candor speaks, preferred first. */
export const SUITES = [PQ_SUITE, CLASSIC_SUITE] as const;
export type SuiteName = (typeof SUITES)[number];
/** The suite new conversations are created with. */
export const DEFAULT_SUITE: SuiteName = PQ_SUITE;
/** @deprecated the classic suite's name; say CLASSIC_SUITE or pick by the group's suite. */
export const CIPHERSUITE = CLASSIC_SUITE;

/** What a provider needs to know of a suite to build it. */
export interface SuiteParams {
  name: SuiteName;
  /** The MLS hash (and the HKDF hash of both the MLS KDF and HPKE's KDF). */
  hash: 'sha256' | 'sha512';
  /** Bytes of the hash output (= the KDF's Nh). */
  hashLength: 32 | 64;
  /** AES-GCM key length of both the MLS AEAD and HPKE's AEAD. */
  aeadKeyLength: 16 | 32;
  kem: 'x25519' | 'x-wing';
}

const PARAMS: Record<SuiteName, SuiteParams> = {
  [CLASSIC_SUITE]: { name: CLASSIC_SUITE, hash: 'sha256', hashLength: 32, aeadKeyLength: 16, kem: 'x25519' },
  [PQ_SUITE]: { name: PQ_SUITE, hash: 'sha512', hashLength: 64, aeadKeyLength: 32, kem: 'x-wing' },
};

export function isOurSuite(name: string): name is SuiteName {
  return name === CLASSIC_SUITE || name === PQ_SUITE;
}

/** The parameters of one of our suites; anything else is a programming error. */
export function suiteParams(cs: Ciphersuite | string): SuiteParams {
  const name = typeof cs === 'string' ? cs : cs.name;
  if (!isOurSuite(name)) throw new Error(`unsupported MLS cipher suite ${name}; Candor uses ${SUITES.join(' or ')}`);
  return PARAMS[name];
}

/** The suite's code point (1, 83), as the wire names it (docs/protocol.md §4.5). */
export function suiteId(name: SuiteName): number {
  return ciphersuites[name];
}

/** Our suite with code point `id`; undefined for any other. */
export function suiteNamed(id: number): SuiteName | undefined {
  return SUITES.find((n) => ciphersuites[n] === id);
}

/** How people are told a suite ("Who can read this?", `candor who`). */
export function suiteLabel(name: string): string {
  if (name === PQ_SUITE) return 'post-quantum (X-Wing + X25519, provisional suite 83)';
  if (name === CLASSIC_SUITE) return 'classic (X25519, suite 1)';
  return `unknown suite ${name}`;
}

const suites = new WeakMap<CryptoProvider, Map<SuiteName, Promise<CiphersuiteImpl>>>();

/** The CiphersuiteImpl for `name` (the classic suite unless told) from `provider`, built once per provider. */
export function getSuite(provider: CryptoProvider, name: SuiteName = CLASSIC_SUITE): Promise<CiphersuiteImpl> {
  let byName = suites.get(provider);
  if (byName === undefined) suites.set(provider, (byName = new Map()));
  let suite = byName.get(name);
  if (suite === undefined) {
    suite = provider.getCiphersuiteImpl(getCiphersuiteFromName(suiteParams(name).name));
    // A failed build (e.g. a transient feature probe) must not poison the cache.
    suite.catch(() => byName.delete(name));
    byName.set(name, suite);
  }
  return suite;
}
