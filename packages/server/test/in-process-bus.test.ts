// The single-node bus against the Bus contract every adapter passes (@candor/testkit/bus-contract).
import { busContract } from '@candor/testkit/bus-contract'
import { InProcessBus } from '../src/index.ts'

busContract('InProcessBus', async () => {
  const bus = new InProcessBus()
  return { nodes: [bus], settle: async () => undefined, close: () => bus.close() }
})
