import { expect, test, type Page } from '@playwright/test';
import { STATIC_PAGES, register, subscribedUser } from './support';

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

const ENHANCEMENTS = ['/copy.js', '/forms.js', '/passkey.js'];

for (const path of STATIC_PAGES) {
  test(`${path} loads no WebAssembly and logs zero console errors`, async ({ page }) => {
    const errors = watchErrors(page);
    const code = watchCode(page);
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    const docs = path.startsWith('/docs') ? ['/code-tabs.js'] : [];
    expect(code.sort()).toEqual([...docs, ...ENHANCEMENTS]);
    expect(errors).toEqual([]);
  });
}

test('the 404 page loads no WebAssembly and logs zero console errors', async ({ page }) => {
  const errors = watchErrors(page, '/missing');
  const code = watchCode(page);
  await page.goto('/missing');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(code.sort()).toEqual(ENHANCEMENTS);
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

// The console is server-rendered: only a page that may carry an island
// (/keys) loads the browser bundle.
for (const path of ['/dashboard', '/account', '/usage', '/billing', '/billing/cancel', '/account/two-factor']) {
  test(`${path} loads no WebAssembly and logs zero console errors`, async ({ page }) => {
    const errors = watchErrors(page);
    await register(page, 'Direct Opener');
    const code = watchCode(page);
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(code.sort()).toEqual(ENHANCEMENTS);
    expect(errors).toEqual([]);
  });
}

test('the new secret is an island: it hydrates into a modal dialog with zero console errors', async ({ page }) => {
  const errors = watchErrors(page);
  await subscribedUser(page, 'Island Visitor');
  const code = watchCode(page);
  await page.goto('/keys');
  await page.getByLabel('Key name').fill('island');
  await page.getByRole('button', { name: 'Create API key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Your new key “island”' });
  await expect(dialog).toBeVisible();
  // Modal once hydrated: the page behind it is inert (the top layer).
  await expect.poll(() => dialog.evaluate((element) => element.matches(':modal'))).toBe(true);
  expect(code.some((file) => file.endsWith('.wasm'))).toBe(true);
  // The island's content is server-rendered: the secret is not in its props.
  const key = (await dialog.locator('.key-value code').textContent())!.trim();
  const props = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('leptos-island')].map((island) => island.dataset.props ?? ''),
  );
  expect(props.length).toBe(1);
  expect(props.join('')).not.toContain(key);
  await dialog.getByRole('button', { name: 'I’ve saved it' }).click();
  await expect(dialog).toBeHidden();
  expect(errors).toEqual([]);
});
