// axe-core in the page: the WCAG 2.1 A and AA rules, run on whatever screen is showing.
// Evaluated through the DevTools protocol, so the page's Content-Security-Policy (which
// allows only its own scripts) does not have to be loosened for it.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }>
}

/**
 * The WCAG 2.1 AA violations on the page now, one line each naming the screen, the rule and where;
 * `within`: only in the elements these CSS selectors match (a test of one component).
 */
export async function axeViolations(page: Page, screen: string, within?: readonly string[]): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source)
  const result = (await page.evaluate(
    (within) =>
      (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe.run(within ? { include: within.map((s) => [s]) } : document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        // WCAG 2.1 SC 2.5.3 (label in name): axe marks it experimental, so it runs only when asked.
        rules: { 'label-content-name-mismatch': { enabled: true } },
      }),
    within ? [...within] : undefined,
  )) as AxeResult
  return result.violations.map((v) => `${screen}: ${v.id} (${v.impact ?? '?'}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.split('\n').slice(1, 2).join('') ?? ''}`).join(' | ')}`)
}
