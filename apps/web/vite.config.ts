// Builds the web client into apps/web/dist, which the Candor server serves at `/`.
// `npm run dev -w apps/web` serves it with hot reload, proxying the API to CANDOR_SERVER.
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import preact from '@preact/preset-vite'
import { SERVICE_WORKER, precacheList, precompress } from './build/vite-plugins.ts'

const root = fileURLToPath(new URL('.', import.meta.url))
const api = process.env.CANDOR_SERVER ?? 'http://127.0.0.1:8080'

// The page holds the device key, so the built page runs only its own scripts and talks only to
// its own origin. (Not in dev: Vite's dev server injects inline scripts.)
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ')

function contentSecurityPolicy(): Plugin {
  return {
    name: 'candor-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  }
}

export default defineConfig({
  root,
  base: './',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: true }), contentSecurityPolicy(), precacheList(), precompress(fileURLToPath(new URL('dist', import.meta.url)))],
  // Workspace packages are bundled from their TypeScript source (their "candor-source" export).
  resolve: { conditions: ['candor-source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    rollupOptions: {
      // The service worker is its own entry at the root (its scope is the whole app), unhashed
      // so the page can register it by name; the server sends it with no-cache.
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), sw: fileURLToPath(new URL('src/pwa/service-worker.ts', import.meta.url)) },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? SERVICE_WORKER : 'assets/[name]-[hash].js') },
      onLog(level, log, handler) {
        // Some dependencies place /* @__PURE__ */ where Rollup cannot use it; harmless and noisy.
        if (log.code === 'INVALID_ANNOTATION') return
        handler(level, log)
      },
    },
  },
  server: {
    proxy: {
      '/v1': { target: api, ws: true },
      '/healthz': api,
    },
  },
})
