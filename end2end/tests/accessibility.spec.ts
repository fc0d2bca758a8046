import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { STATIC_PAGES, accessibilityViolations, subscriberKey } from './support';

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

test('every console page has no WCAG A/AA violations in either scheme, its disclosures open', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'axe runs in the page');
  test.setTimeout(120_000);
  await subscriberKey(page, 'Axe Console');
  await page.goto('/keys');
  // A key's row open, with its revoke confirmation.
  await page.locator('tr.key-row .key-name').first().click();
  await expect(page.locator('.key-detail')).toBeVisible();
  const openRow = new URL(page.url()).search;
  for (const path of [
    '/dashboard',
    '/keys',
    `/keys${openRow}&panel=revoke`,
    `/keys${openRow}&panel=roll`,
    '/usage',
    '/usage?period=7d',
    '/account',
    '/account/two-factor',
    '/billing',
  ]) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    for (const details of await page.getByRole('main').locator('details').all()) {
      await details.evaluate((element) => element.setAttribute('open', ''));
    }
    expect(await accessibilityViolations(page), path).toEqual([]);
  }
});
