// The page script of the bench's Chromium measurement (bundled by chromium.ts): the same
// operations as in Node, with the web client's provider (WebCrypto, @noble/* fallbacks), in the
// fixture's suite.
import { getSuite, webCryptoProvider } from '@candor/crypto'
import type { Fixture } from './fixture.ts'
import { timeOperations, type Timings } from './ops.ts'

async function timeMls(url: string, reps: number): Promise<Timings> {
  const f = (await (await fetch(url)).json()) as Fixture
  const suite = await getSuite(webCryptoProvider(), f.suite)
  await timeOperations(suite, f, { reps: 1 })
  return (await timeOperations(suite, f, { reps })).timings
}

;(globalThis as unknown as { timeMls: typeof timeMls }).timeMls = timeMls
