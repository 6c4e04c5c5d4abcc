import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export interface AccessibilityAudit {
  /** Rules axe checked and found met (so a test can tell the audit really ran over the page). */
  passed: string[];
  /** Serious and critical violations, each as `rule: targets`. */
  serious: string[];
}

/** Runs axe-core over the page as it is now. */
export async function auditAccessibility(page: Page): Promise<AccessibilityAudit> {
  const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated over the DevTools protocol, not added as a <script>: the dashboard's CSP rightly refuses inline scripts.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    type AxeResult = { violations: any[]; passes: any[] };
    const axe = (window as unknown as { axe: { run(context: Document): Promise<AxeResult> } }).axe;
    const result = await axe.run(document);
    return {
      passed: result.passes.map((rule) => rule.id as string),
      serious: result.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => `${violation.id}: ${violation.nodes.map((node: any) => node.target.join(' ')).join(', ')}`),
    };
  });
}
