import { parseArgs } from 'node:util'
import { describe, expect, it } from 'vitest'
import { restoreValues, shieldIdArguments } from './id-arguments.ts'

const options = { json: { type: 'boolean' }, k: { type: 'string' }, person: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } as const

function parse(argv: string[]) {
  const shield = shieldIdArguments(argv, new Set(Object.keys(options)))
  const { values, positionals } = parseArgs({ args: shield.args, allowPositionals: true, strict: false, options })
  return { values: restoreValues(values, shield.restore), positionals: positionals.map(shield.restore) }
}

describe('ids that begin with a dash', () => {
  it('stay arguments, in place, beside real options', () => {
    const r = parse(['send', '-t9N-ys_T6PfjHxxy2WjK6w', 'hi', '--json', '--person', '-xyzxyzxyzxyzxyzxyzxyz'])
    expect(r.positionals).toEqual(['send', '-t9N-ys_T6PfjHxxy2WjK6w', 'hi'])
    expect(r.values).toEqual({ json: true, person: ['-xyzxyzxyzxyzxyzxyzxyz'] })
    // Without the shield the id was torn into short flags (one of them our -k): it was lost.
    const raw = parseArgs({ args: ['send', '-t9N-ys_T6PfjHxxy2WjK6w'], allowPositionals: true, strict: false, options })
    expect(raw.positionals).not.toContain('-t9N-ys_T6PfjHxxy2WjK6w')
  })
  it('a double-dash id is an argument unless it names an option; -h and short words are still flags', () => {
    expect(parse(['read', '--AbCdEfGhIjKlMnOpQrStUv']).positionals).toEqual(['read', '--AbCdEfGhIjKlMnOpQrStUv'])
    expect(parse(['read', '-h', '--json']).values).toEqual({ help: true, json: true })
    expect(parse(['read', '--', '-t9N-ys_T6PfjHxxy2WjK6w']).positionals).toEqual(['read', '-t9N-ys_T6PfjHxxy2WjK6w'])
  })
})
