// Build steps for serving the app well: the service worker's precache list (known only once
// Rollup has named every file) and brotli/gzip copies of each text file, which the server sends
// to browsers that accept them (packages/server/src/http/web-assets.ts).
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

/** The service worker's file, at the root so that its scope is the whole app. */
export const SERVICE_WORKER = 'sw.js'
// The minifier may pick any quote for the placeholder string.
const PLACEHOLDER = /(["'`])__CANDOR_PRECACHE__\1/

/**
 * Writes the list of files the service worker keeps for offline use into it, with a version
 * derived from that list, so that every build with changed files installs a new worker.
 */
export function precacheList(): Plugin {
  return {
    name: 'candor-precache',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => f !== SERVICE_WORKER && !f.endsWith('.map'))
        .sort()
      const publicFiles = ['manifest.webmanifest', 'icon.svg', 'icon-192.png', 'icon-512.png']
      const urls = ['./', ...files, ...publicFiles]
      const version = createHash('sha256').update(urls.join('\n')).update(files.map((f) => String(bundle[f]!.type === 'chunk' ? (bundle[f] as { code: string }).code.length : 0)).join()).digest('hex').slice(0, 16)
      const sw = bundle[SERVICE_WORKER]
      if (!sw || sw.type !== 'chunk') throw new Error(`the build has no ${SERVICE_WORKER} chunk`)
      if (!PLACEHOLDER.test(sw.code)) throw new Error(`${SERVICE_WORKER} lacks the precache placeholder`)
      sw.code = sw.code.replace(PLACEHOLDER, JSON.stringify({ version, urls }))
    },
  }
}

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt)$/
/** Smaller files gain nothing worth a second request header's worth of bytes. (Source maps are left as they are: only developers fetch them.) */
const MIN_BYTES = 1024

export function precompress(outDir: string): Plugin {
  return {
    name: 'candor-precompress',
    apply: 'build',
    closeBundle() {
      for (const path of walk(outDir)) {
        if (!COMPRESSIBLE.test(path)) continue
        const raw = readFileSync(path)
        if (raw.length < MIN_BYTES) continue
        writeFileSync(`${path}.br`, brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }))
        writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }))
      }
    },
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e)
    return statSync(p).isDirectory() ? walk(p) : [p]
  })
}
