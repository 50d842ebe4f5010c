// The ports are interfaces and nothing else: every source file must compile to an empty
// module, so depending on this package never loads code (and never loads its dependencies).
import { readdirSync, readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = new URL('./', import.meta.url)

/** The JavaScript a module leaves at run time, with comments and the empty `export {}` gone. */
function runtimeCode(source: string): string {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, removeComments: true },
  })
  return outputText.replace(/export \{\};/g, '').trim()
}

describe('@candor/ports has no runtime code', () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))

  it('checks the package sources', () => {
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'store.ts', 'bus.ts', 'blob-store.ts']))
  })

  it.each(files)('%s compiles to nothing', (file) => {
    expect(runtimeCode(readFileSync(new URL(file, SRC), 'utf8'))).toBe('')
  })

  it('would notice a value export or a value import (negative control)', () => {
    expect(runtimeCode(`export const X = 'a'`)).not.toBe('')
    expect(runtimeCode(`import { CandorError } from '@candor/protocol'\nexport type E = CandorError`)).not.toBe('')
    expect(runtimeCode(`export { x } from './x.ts'`)).not.toBe('')
    expect(runtimeCode(`import type { DeviceId } from '@candor/protocol'\nexport interface A { d: DeviceId }`)).toBe('')
  })
})
