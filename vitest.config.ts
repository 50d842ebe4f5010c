import { defineConfig } from 'vitest/config'

// Workspace packages export their TypeScript source under the "candor-source" condition, so
// tests run the code as written; their built `dist` is what other programs import.
const conditions = ['candor-source', 'module', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/web/test/**/*.test.ts', 'bench/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Generous: the CLI tests run dozens of real `candor` processes one after another, and the
    // 2-core machines here are often shared (under load a command can take 15 s; a set-up step of
    // fourteen of them ran past 180 s); a hang still ends the test.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // expect.poll waits for a condition; its own default (1 s) is a timing claim a loaded 2-core
    // machine breaks. A wait that passes returns as soon as the condition holds.
    expect: { poll: { timeout: 30_000 } },
  },
})
