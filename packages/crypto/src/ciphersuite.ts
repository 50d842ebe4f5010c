import { getCiphersuiteFromName, type Ciphersuite, type CiphersuiteImpl, type CryptoProvider } from 'ts-mls';

/** The only MLS cipher suite Candor speaks (RFC 9420 suite 0x0001). */
export const CIPHERSUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;

/** Our providers implement exactly one suite; anything else is a programming error. */
export function assertOurSuite(cs: Ciphersuite): void {
  if (cs.name !== CIPHERSUITE) throw new Error(`unsupported MLS cipher suite ${cs.name}; Candor uses ${CIPHERSUITE}`);
}

const suites = new WeakMap<CryptoProvider, Promise<CiphersuiteImpl>>();

/** The CiphersuiteImpl for CIPHERSUITE from `provider`, built once per provider. */
export function getSuite(provider: CryptoProvider): Promise<CiphersuiteImpl> {
  let suite = suites.get(provider);
  if (suite === undefined) {
    suite = provider.getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE));
    // A failed build (e.g. a transient feature probe) must not poison the cache.
    suite.catch(() => suites.delete(provider));
    suites.set(provider, suite);
  }
  return suite;
}
