// /metrics on a listener of its own, never on the public port: the figures (connections,
// rejections by code, process details) help whoever probes a server, so they are served only
// where the operator asked, loopback unless told otherwise.
import { createServer, type Server } from 'node:http'
import type { Metrics } from './metrics.ts'
import type { ServerTimeouts } from './server-limits.ts'

export interface MetricsListener {
  readonly url: string
  close(): Promise<void>
}

export async function listenForMetrics(metrics: Metrics, host: string, port: number, timeouts: ServerTimeouts): Promise<MetricsListener> {
  const server: Server = createServer(
    { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    (req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
        return
      }
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
      )
    },
  )
  server.keepAliveTimeout = timeouts.keepAliveMs
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
