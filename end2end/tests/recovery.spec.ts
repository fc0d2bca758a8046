import { expect, test } from '@playwright/test';
import { PASSWORD, accessibilityViolations, register, signOut } from './support';

// Runs with and without JavaScript. These runs have no SMTP server, so the
// mail is read from the sandbox mailbox, as a newcomer running locally would.

const NEW_PASSWORD = 'a brand new passphrase';

test('a forgotten password is reset from the mailed link, and other devices are signed out', async ({ page, browser, baseURL }) => {
  const email = await register(page, 'Forgetful');
  const otherDevice = await browser.newContext({ baseURL });
  const other = await otherDevice.newPage();
  await other.goto('/login');
  await other.getByLabel('E-mail').fill(email);
  await other.getByLabel('Password').fill(PASSWORD);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other).toHaveURL(/\/dashboard$/);

  await signOut(page);
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Send the reset link' }).click();
  await expect(page.getByRole('status')).toContainText('a reset link is on its way');

  // The message is written just after the answer: look until it is there.
  const message = page
    .getByRole('article')
    .filter({ hasText: email })
    .filter({ has: page.getByRole('heading', { name: 'Reset your Tracepipe password' }) });
  await expect(async () => {
    await page.goto('/sandbox/mail');
    await expect(message).toHaveCount(1, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await message.getByRole('link', { name: /\/reset-password\?token=/ }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choose a new password');
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Welcome, Forgetful');

  await other.goto('/dashboard');
  await expect(other).toHaveURL(/\/login\?next=/);
  await otherDevice.close();

  // The link worked once.
  await page.goto('/sandbox/mail');
  await message.getByRole('link', { name: /\/reset-password\?token=/ }).click();
  await expect(page.getByRole('alert')).toContainText('expired or was already used');
});

test('the recovery pages pass axe in both colour schemes', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'axe runs as a script inside the page');
  for (const path of ['/forgot-password', '/reset-password?token=nonsense']) {
    await page.goto(path);
    expect(await accessibilityViolations(page)).toEqual([]);
  }
});
