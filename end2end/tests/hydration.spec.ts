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
  await page.getByRole('button', { name: 'Copy the first API call' }).click();
  await expect(page.getByRole('button', { name: 'Copied the first API call' })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(`curl ${baseURL}/v1/users/me -H "X-API-Key: $TRACEPIPE_API_KEY"`);
});

test('the landing page loads only the first bundle; other pages load theirs on the way', async ({ page }) => {
  const errors = watchErrors(page);
  const wasm: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('.wasm')) wasm.push(new URL(request.url()).pathname);
  });
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Copy the first API call' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(wasm.filter((path) => path.includes('split_'))).toEqual([]);

  // Client-side navigation to a lazily loaded page fetches its code, then works.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pricing' }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pricing');
  await expect(page.locator('article.plan-card')).toHaveCount(4);
  await page.waitForLoadState('networkidle');
  expect(wasm.some((path) => path.includes('split___pricing_route'))).toBe(true);
  expect(errors).toEqual([]);
});

for (const path of ['/pricing', '/register', '/login', '/billing/cancel']) {
  test(`${path} hydrates with zero console errors when opened directly`, async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(errors).toEqual([]);
  });
}
