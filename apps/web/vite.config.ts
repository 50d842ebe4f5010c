// Builds the web client into apps/web/dist, which the Candor server serves at `/`.
// `npm run dev -w apps/web` serves it with hot reload, proxying the API to CANDOR_SERVER.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import preact from '@preact/preset-vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const api = process.env.CANDOR_SERVER ?? 'http://127.0.0.1:8080'

export default defineConfig({
  root,
  base: './',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: true })],
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
