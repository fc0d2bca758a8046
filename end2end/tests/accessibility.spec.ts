import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { STATIC_PAGES } from './support';

// Automated WCAG 2.1 AA checks (contrast, names, landmarks, headings) in both
// colour schemes. They catch regressions; they do not replace a manual review.

for (const colorScheme of ['light', 'dark'] as const) {
  for (const path of [...STATIC_PAGES, '/billing/cancel', '/missing-page', '/sandbox/mail']) {
    test(`${path} has no WCAG A/AA violations in the ${colorScheme} scheme`, async ({ page }) => {
      await page.emulateMedia({ colorScheme });
      await page.goto(path);
      // Open every answer so their text is checked too.
      for (const details of await page.locator('details').all()) {
        await details.evaluate((element) => element.setAttribute('open', ''));
      }
      const results = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      const summary = results.violations.map(
        (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      );
      expect(summary).toEqual([]);
    });
  }
}
