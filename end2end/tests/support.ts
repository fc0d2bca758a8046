import AxeBuilder from '@axe-core/playwright';
import { createHmac } from 'node:crypto';
import { expect, type Page } from '@playwright/test';

// Steps several journeys share.

export const PASSWORD = 'correct horse battery';

/**
 * Pages that do not hydrate (public pages, docs, signed-out forms): HTML and
 * CSS with two small enhancement scripts, no WebAssembly.
 */
export const STATIC_PAGES = [
  '/',
  '/pricing',
  '/docs',
  '/docs/quickstart',
  '/docs/api',
  '/docs/errors',
  '/docs/trace-capture',
  '/login',
  '/register',
  '/forgot-password',
];

export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Registers a new account named `name`; answers its e-mail address. */
export async function register(page: Page, name: string): Promise<string> {
  const email = uniqueEmail('user');
  await page.goto('/register');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  return email;
}

/**
 * The newest message to `email` whose subject is `subject`, in the sandbox
 * mailbox (these runs have no SMTP server, as a newcomer's laptop has none).
 * Messages are delivered just after the action that wrote them: looks again
 * until it is there. Leaves the page on `base`'s /sandbox/mail.
 */
export async function mailTo(page: Page, email: string, subject: string, base = '') {
  const message = page
    .getByRole('article')
    .filter({ hasText: email })
    .filter({ has: page.getByRole('heading', { name: subject, exact: true }) })
    .first();
  await expect(async () => {
    await page.goto(`${base}/sandbox/mail`);
    await expect(message).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  return message;
}

/** Opens the confirmation link mailed at registration and confirms; lands on /account. */
export async function confirmEmail(page: Page, email: string, base = '') {
  const message = await mailTo(page, email, 'Confirm your e-mail address for Tracepipe', base);
  await message.getByRole('link', { name: /\/confirm-email\?token=/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Confirm your e-mail address');
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('status')).toContainText('Your e-mail address is confirmed');
}

/** Registers and confirms the address (adding a passkey or an authenticator needs it); answers the address. */
export async function registerConfirmed(page: Page, name: string): Promise<string> {
  const email = await register(page, name);
  await confirmEmail(page, email);
  return email;
}

/** Signs out through the header's account menu (a disclosure: opened first). */
export async function signOut(page: Page) {
  const nav = page.getByRole('navigation', { name: 'Account' });
  await nav.locator('summary').click();
  await nav.getByRole('button', { name: 'Sign out' }).click();
  // The landing page is loaded from the server (it does not hydrate): wait
  // for it, so that the next navigation does not race that load.
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('Loading…')).toHaveCount(0);
  await page.waitForLoadState('load');
}

export function planCard(page: Page, name: string) {
  return page.locator('article.plan-card', { has: page.getByRole('heading', { name, exact: true }) });
}

/** From /pricing to the sandbox's checkout page for `plan`. */
export async function startCheckout(page: Page, plan: string, button: 'Subscribe' | 'Buy') {
  await page.goto('/pricing');
  await planCard(page, plan).getByRole('button', { name: button }).click();
  await expect(page).toHaveURL(/\/sandbox\/payment\/checkout\/cs_test_/);
  await expect(page.getByText('Sandbox — no real payment.')).toBeVisible();
}

export async function payWith(page: Page, card: string, button: 'Subscribe' | 'Pay') {
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiry (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: button }).click();
}

/** A new account with a confirmed address and an active Starter subscription (sandbox checkout). */
export async function subscribedUser(page: Page, name: string): Promise<string> {
  const email = await register(page, name);
  await confirmEmail(page, email);
  await startCheckout(page, 'Starter', 'Subscribe');
  await payWith(page, '4242 4242 4242 4242', 'Subscribe');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're subscribed");
  return email;
}

/**
 * Creates a key named `name` with the keys page's defaults (the page open);
 * answers its secret, read from the dialog that shows it once, then closed
 * with "I've saved it".
 */
export async function createKey(page: Page, name: string): Promise<string> {
  await openCreateKeyForm(page);
  await page.getByLabel('Key name').fill(name);
  await page.getByRole('button', { name: 'Create API key' }).click();
  const reveal = page.getByRole('dialog', { name: `Your new key “${name}”` });
  const key = (await reveal.locator('.key-value code').textContent())!.trim();
  expect(key).toMatch(/^tp_live_sk_/);
  await reveal.getByRole('button', { name: 'I’ve saved it' }).click();
  await expect(reveal).toBeHidden();
  return key;
}

/** Opens the keys page's create form (behind its "Create key" button once a key exists). */
export async function openCreateKeyForm(page: Page) {
  if (!(await page.getByLabel('Key name').isVisible())) await page.locator('#create-key > summary').click();
  await expect(page.getByLabel('Key name')).toBeVisible();
}

/** The keys table's row of the key named `name`. */
export function keyRow(page: Page, name: string) {
  return page.locator('tr.key-row').filter({ has: page.getByRole('link', { name, exact: true }) });
}

/** Opens the menu of `name`'s row (a disclosure: works without JavaScript). */
export async function openKeyMenu(page: Page, name: string) {
  await keyRow(page, name).locator('summary').click();
}

/** A new subscriber's first key (full access), made on the keys page. */
export async function subscriberKey(page: Page, name: string): Promise<string> {
  await subscribedUser(page, name);
  await page.goto('/keys');
  return createKey(page, `${name} key`);
}

/** WCAG 2.1 A/AA violations on the current page in both colour schemes, as `url scheme rule: targets` lines. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    found.push(
      ...results.violations.map(
        (violation) =>
          `${page.url()} ${colorScheme} ${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      ),
    );
  }
  return found;
}

/**
 * The code of the step before the current one, which the server still
 * accepts: what a set-up is confirmed with, so that the current code is left
 * to sign in with. Near a step's end it first waits for the next step, or
 * the server, a moment later, would already be a step further and find the
 * code two steps old.
 */
export async function previousStepCode(key: string): Promise<string> {
  const intoStep = Date.now() % 30_000;
  if (intoStep > 25_000) {
    await new Promise((resolve) => setTimeout(resolve, 30_000 - intoStep + 100));
  }
  return authenticatorCode(key, Date.now() - 30_000);
}

/**
 * The RFC 6238 code an authenticator app shows for the base32 `key` at
 * `atMs` (SHA-1, six digits, 30-second steps): what a person would type.
 */
export function authenticatorCode(key: string, atMs = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...key.replace(/[\s=]/g, '').toUpperCase()]
    .map((char) => alphabet.indexOf(char).toString(2).padStart(5, '0'))
    .join('');
  const secret = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}
