// `--name value` flags of the stand-alone bench scripts (src/systems/*-write-path.ts).
export function flagReader(argv: readonly string[]): (name: string, dflt: string) => string {
  return (name, dflt) => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt
  }
}
