// axe-core in the page: the WCAG 2.1 A and AA rules, run on whatever screen is showing, in the
// light theme and in the dark one (prefers-color-scheme, emulated on the page and put back).
// Evaluated through the DevTools protocol, so the page's Content-Security-Policy (which
// allows only its own scripts) does not have to be loosened for it.
//
// axe lists some contrast failures only as "incomplete / needs review": text in the same colour
// as its background (1:1, which axe takes for text hidden on purpose) and a one-character text
// below the ratio. Both are read by a person as invisible or faint text, so both count here as
// violations whenever axe measured the two colours.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeNode {
  target: unknown[]
  failureSummary?: string
  any: Array<{ id: string; data?: unknown }>
}
interface AxeRule {
  id: string
  impact: string | null
  help: string
  nodes: AxeNode[]
}
interface AxeResult {
  violations: AxeRule[]
  incomplete: AxeRule[]
}
interface ContrastData {
  fgColor?: string
  bgColor?: string
  contrastRatio?: number
  expectedContrastRatio?: string
  messageKey?: string
}

export type ColorScheme = 'light' | 'dark'

export interface AxeOptions {
  /** Only in the elements these CSS selectors match (a test of one component). */
  within?: readonly string[]
  /** The themes to check, in order (default: the page's own, then the other). */
  schemes?: readonly ColorScheme[]
}

/** The WCAG 2.1 AA violations on the page now, in both themes, one line each naming the screen, the rule and where. */
export async function axeViolations(page: Page, screen: string, options: AxeOptions = {}): Promise<string[]> {
  const { within, schemes } = options
  const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)
  const current: ColorScheme = dark ? 'dark' : 'light'
  const order = schemes ?? [current, dark ? 'light' : 'dark']
  const found: string[] = []
  let active = current
  try {
    for (const scheme of order) {
      if (scheme !== active) await page.emulateMedia({ colorScheme: (active = scheme) })
      found.push(...(await axeOnce(page, scheme === 'light' ? screen : `${screen} (${scheme})`, within)))
    }
  } finally {
    if (active !== current) await page.emulateMedia({ colorScheme: current })
  }
  return found
}

async function axeOnce(page: Page, screen: string, within: readonly string[] | undefined): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source)
  const result = (await page.evaluate(
    (within) =>
      (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe.run(within ? { include: within.map((s) => [s]) } : document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        // WCAG 2.1 SC 2.5.3 (label in name): axe marks it experimental, so it runs only when asked.
        rules: { 'label-content-name-mismatch': { enabled: true } },
        resultTypes: ['violations', 'incomplete'],
      }),
    within ? [...within] : undefined,
  )) as AxeResult
  const where = (nodes: AxeNode[], why: (n: AxeNode) => string) =>
    nodes
      .slice(0, 4)
      .map((n) => `${JSON.stringify(n.target)} ${why(n)}`)
      .join(' | ')
  const lines = result.violations.map(
    (v) => `${screen}: ${v.id} (${v.impact ?? '?'}): ${v.help} — ${where(v.nodes, (n) => n.failureSummary?.split('\n').slice(1, 2).join('') ?? '')}`,
  )
  for (const rule of result.incomplete.filter((r) => r.id === 'color-contrast')) {
    const unreadable = rule.nodes.filter((n) => unreadableContrast(contrastData(n)))
    if (unreadable.length === 0) continue
    lines.push(
      `${screen}: color-contrast (needs review, counted as failing): text its background hides — ${where(unreadable, (n) => {
        const d = contrastData(n)!
        return `${d.fgColor} on ${d.bgColor} is ${d.contrastRatio}:1 (${d.messageKey}), needs ${d.expectedContrastRatio}`
      })}`,
    )
  }
  return lines
}

function contrastData(n: AxeNode): ContrastData | undefined {
  return n.any.find((c) => c.id === 'color-contrast')?.data as ContrastData | undefined
}

/** Text whose two colours axe measured: 1:1 (the same colour), or a short text below the ratio it needs. */
export function unreadableContrast(d: ContrastData | undefined): boolean {
  if (!d || typeof d.contrastRatio !== 'number' || !d.fgColor || !d.bgColor) return false
  if (d.messageKey === 'equalRatio' || d.contrastRatio <= 1) return true
  const expected = Number.parseFloat(d.expectedContrastRatio ?? '')
  return d.messageKey === 'shortTextContent' && Number.isFinite(expected) && d.contrastRatio < expected
}
