import { expect, test } from '@playwright/test';
import { register } from './support';

// The Content-Security-Policy lets exactly the page's own scripts run: every
// page loads without one violation, and only a page that may carry an island
// (/keys) may run WebAssembly.

const CONSOLE = ['/dashboard', '/usage', '/keys', '/billing', '/account'];
const WITH_ISLANDS = ['/keys'];

test('pages load with zero Content-Security-Policy violations', async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { violations: string[] }).violations = seen;
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  const consoleReports: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) consoleReports.push(message.text());
  });
  const violations = () => page.evaluate(() => (window as unknown as { violations: string[] }).violations);

  await register(page, 'Policy Reader');
  for (const path of ['/', '/pricing', '/docs/quickstart', '/docs/api', ...CONSOLE]) {
    const response = await page.goto(path);
    await page.waitForLoadState('networkidle');
    expect(await violations(), path).toEqual([]);
    const policy = response!.headers()['content-security-policy'];
    if (WITH_ISLANDS.includes(path)) {
      // The header names the nonce the page's scripts carry.
      const nonce = await page.evaluate(() => (document.querySelector('script[nonce]') as HTMLScriptElement | null)?.nonce);
      expect(nonce, path).toBeTruthy();
      expect(policy, path).toContain(`'nonce-${nonce}' 'wasm-unsafe-eval'`);
    } else {
      expect(policy, path).not.toContain('wasm-unsafe-eval');
    }
  }
  // From the console to the docs, by their links.
  await page.goto('/dashboard');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Docs' }).click();
  await expect(page).toHaveURL(/\/docs$/);
  await page.getByRole('navigation', { name: 'Docs', exact: true }).getByRole('link', { name: 'Quickstart' }).click();
  await expect(page.getByRole('button', { name: 'Copy the curl commands' })).toBeVisible();
  expect(await violations()).toEqual([]);
  expect(consoleReports).toEqual([]);
});
