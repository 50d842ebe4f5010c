// The built web client at `/`. Vite names every file under assets/ by its content hash, so a
// browser may keep those for a year without asking again; everything else (index.html, the
// service worker, the manifest, icons) is asked for again each time, so a new version reaches
// people on their next load. The build writes brotli and gzip copies beside each file
// (apps/web/vite.config.ts); the one the browser accepts is sent.
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { sep } from 'node:path'

export const IMMUTABLE = 'public, max-age=31536000, immutable'
export const REVALIDATE = 'no-cache'

export async function webAssets(app: FastifyInstance, root: string): Promise<void> {
  const hashed = `${sep}assets${sep}`
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    preCompressed: true,
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader('cache-control', path.includes(hashed) ? IMMUTABLE : REVALIDATE)
      res.setHeader('vary', 'accept-encoding')
    },
  })
}
