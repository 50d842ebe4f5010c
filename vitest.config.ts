import { defineConfig } from 'vitest/config'

// Workspace packages export their TypeScript source under the "candor-source" condition, so
// tests run the code as written; their built `dist` is what other programs import.
const conditions = ['candor-source', 'module', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/web/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
