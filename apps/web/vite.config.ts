// Builds the web client into apps/web/dist, which the Candor server serves at `/`.
// `npm run dev -w apps/web` serves it with hot reload, proxying the API to CANDOR_SERVER.
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import preact from '@preact/preset-vite'

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
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: true }), contentSecurityPolicy()],
  // Workspace packages are bundled from their TypeScript source (their "candor-source" export).
  resolve: { conditions: ['candor-source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    rollupOptions: {
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
