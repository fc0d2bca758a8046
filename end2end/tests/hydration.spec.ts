import { expect, test, type Page } from '@playwright/test';
import { STATIC_PAGES, register } from './support';

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

/** The scripts and wasm files the page fetches, by path. */
function watchCode(page: Page): string[] {
  const code: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.wasm') || path.endsWith('.js')) code.push(path);
  });
  return code;
}

for (const path of STATIC_PAGES) {
  test(`${path} loads no WebAssembly and logs zero console errors`, async ({ page }) => {
    const errors = watchErrors(page);
    const code = watchCode(page);
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    const docs = path.startsWith('/docs') ? ['/code-tabs.js'] : [];
    expect(code.sort()).toEqual([...docs, '/copy.js', '/passkey.js']);
    expect(errors).toEqual([]);
  });
}

test('the 404 page loads no WebAssembly and logs zero console errors', async ({ page }) => {
  const errors = watchErrors(page, '/missing');
  const code = watchCode(page);
  await page.goto('/missing');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(code.sort()).toEqual(['/copy.js', '/passkey.js']);
  expect(errors).toEqual([]);
});

test('copy puts the exact first call on the clipboard, without WebAssembly', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  await page.getByRole('button', { name: 'Copy the first API call' }).click();
  await expect(page.getByRole('button', { name: 'Copied the first API call' })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(`curl ${baseURL}/v1/users/me -H "X-API-Key: $TRACEPIPE_API_KEY"`);
});

test('a form on a static page posts and lands on a hydrated page', async ({ page }) => {
  const errors = watchErrors(page);
  const code = watchCode(page);
  await register(page, 'Static Visitor');
  await page.waitForLoadState('networkidle');
  // The dashboard hydrates: its first bundle is loaded, the register page's was never.
  expect(code.some((path) => path.endsWith('.wasm') && !path.includes('split_'))).toBe(true);
  expect(code.some((path) => path.includes('register'))).toBe(false);
  expect(errors).toEqual([]);
});

test('signed-in pages hydrate and load the next page\'s code on the way', async ({ page }) => {
  const errors = watchErrors(page);
  const code = watchCode(page);
  await register(page, 'Lazy Loader');
  await page.waitForLoadState('networkidle');
  // Client-side navigation to a lazily loaded page fetches its code, then works.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API keys');
  await page.waitForLoadState('networkidle');
  expect(code.some((path) => path.includes('split___keys_route'))).toBe(true);
  // A public page opened from the signed-in app is loaded from the server.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Docs' }).click();
  await expect(page).toHaveURL(/\/docs$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Docs');
  await page.getByRole('navigation', { name: 'Docs', exact: true }).getByRole('link', { name: 'API reference' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API reference');
  await expect(page.locator('article.docs-operation').first()).toBeVisible();
  expect(errors).toEqual([]);
});

for (const path of ['/billing/cancel', '/account', '/usage']) {
  test(`${path} hydrates with zero console errors when opened directly`, async ({ page }) => {
    const errors = watchErrors(page);
    await register(page, 'Direct Opener');
    const code = watchCode(page);
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(code.some((file) => file.endsWith('.wasm'))).toBe(true);
    expect(errors).toEqual([]);
  });
}
