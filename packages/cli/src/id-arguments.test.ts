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
  it('so is the short prefix of an attachment id that download takes (8 characters, the first a dash)', () => {
    expect(parse(['download', '-k3x_Ab9', 'out']).positionals).toEqual(['download', '-k3x_Ab9', 'out'])
    expect(parse(['download', '-k3x_Ab9Qz', 'out']).values).toEqual({})
    expect(parse(['download', '--x3_Ab9Q', 'out']).positionals).toEqual(['download', '--x3_Ab9Q', 'out'])
    expect(parse(['read', '--jsonl-ish']).positionals).toEqual(['read'])
    // Shorter than a prefix may be: still flags, as before.
    expect(parse(['read', '-k3x', 'out']).values).toMatchObject({ k: '3x' })
  })
})
