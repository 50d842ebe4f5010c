// Ids on the command line that begin with "-". Conversation, message and link ids are base64url,
// so about one in 64 begins with "-", and node:util's parseArgs would read "-t9N…" as a cluster of
// short flags: the id would vanish from the positionals (and set flags such as -k). A token that
// is not one of our options and has the shape of an id is an argument, wherever it stands: one
// dash, then at least 7 base64url characters (an id, or the 8-character prefix `download` takes —
// our one short flag is -h, so no real cluster is that long); or two dashes, then at least 6
// with a capital, a digit or "_" in them (our option names have none), or at least 14 of any
// kind (long enough not to be a mistyped option). `--` still ends the options as usual.
const ID_SHAPED = /^(-[A-Za-z0-9_][A-Za-z0-9_-]{6,}|--(?=[a-z-]*[A-Z0-9_])[A-Za-z0-9_-]{6,}|--[A-Za-z0-9_-]{14,})$/

export interface ShieldedArgs {
  /** argv with each id-shaped token replaced by a placeholder parseArgs takes as an argument. */
  args: string[]
  /** The token a placeholder stands for (anything else unchanged). */
  restore(s: string): string
}

export function shieldIdArguments(argv: readonly string[], optionNames: ReadonlySet<string>): ShieldedArgs {
  const kept: string[] = []
  const args = argv.map((token, i) => {
    if (argv.slice(0, i).includes('--')) return token
    if (!ID_SHAPED.test(token)) return token
    if (token.startsWith('--') && optionNames.has(token.slice(2))) return token
    kept.push(token)
    return `\u0001${kept.length - 1}`
  })
  return {
    args,
    restore: (s) => {
      const m = /^\u0001(\d+)$/.exec(s)
      return m ? kept[Number(m[1])]! : s
    },
  }
}

/** parseArgs' values with every placeholder put back (strings and lists of strings). */
export function restoreValues<T extends Record<string, unknown>>(values: T, restore: (s: string) => string): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(values)) {
    out[k] = typeof v === 'string' ? restore(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? restore(x) : x)) : v
  }
  return out as T
}
