// Node adapters of the SDK: the file-based local store, the `ws` WebSocket and node:crypto.
import WebSocket from 'ws'
import { nodeCryptoProvider } from '@candor/crypto/node'
import type { ClientOptions } from '../client.ts'
import type { WebSocketLike } from '../connection.ts'
import { join } from 'node:path'
import { FileLocalStore } from './file-store.ts'
import { SqliteSearchIndex } from './sqlite-search-index.ts'

export { FileLocalStore, SqliteSearchIndex }

export function nodeWebSocket(url: string): WebSocketLike {
  return new WebSocket(url, { perMessageDeflate: false }) as unknown as WebSocketLike
}

/** Client options for a device whose state lives in the folder `home`. */
export function nodeClientOptions(server: string, home: string): ClientOptions {
  return { server, store: new FileLocalStore(home), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket, searchIndex: new SqliteSearchIndex(join(home, 'search.db')) }
}
