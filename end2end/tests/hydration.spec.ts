import { expect, test, type Page } from '@playwright/test';

/**
 * Collects every console error and uncaught exception on the page. Chromium
 * logs a document served with 404 as a failed resource; that one is expected
 * for the 404 page itself and is the only message ignored.
 */
function watchErrors(page: Page, expectedNotFound?: string): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const ownStatus =
      expectedNotFound !== undefined &&
      message.location().url.endsWith(expectedNotFound) &&
      message.text().includes('status of 404');
    if (!ownStatus) errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

test('the landing page hydrates with zero console errors', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  // The copy button is rendered by the client only after hydration.
  await expect(page.getByRole('button', { name: 'Copy the first API call' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(errors).toEqual([]);
});

test('the 404 page hydrates with zero console errors', async ({ page }) => {
  const errors = watchErrors(page, '/missing');
  await page.goto('/missing');
  await expect(page.getByRole('button', { name: 'Copy the first API call' })).toHaveCount(0);
  await page.waitForLoadState('networkidle');
  expect(errors).toEqual([]);
});

test('copy puts the exact first call on the clipboard', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  const button = page.getByRole('button', { name: 'Copy the first API call' });
  await button.click();
  await expect(button).toHaveText('Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(`curl ${baseURL}/v1/users/me -H "X-API-Key: $TRACEPIPE_API_KEY"`);
});
