import { expect, test } from '@playwright/test';
import { PASSWORD, accessibilityViolations, register } from './support';

// The session list on /account and confirming the password again, with and
// without JavaScript.

test('the account page lists every session and ends another device’s', async ({ page, browser, baseURL, javaScriptEnabled }) => {
  const email = await register(page, 'Two Devices');
  const other = await browser.newContext({ baseURL, javaScriptEnabled, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' });
  const phone = await other.newPage();
  await phone.goto('/login');
  await phone.getByLabel('E-mail').fill(email);
  await phone.getByLabel('Password').fill(PASSWORD);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await expect(phone).toHaveURL(/\/dashboard$/);

  await page.goto('/account');
  const sessions = page.getByRole('table', { name: 'Sessions' });
  await expect(sessions.getByRole('row')).toHaveCount(3); // the header and two sessions
  await expect(sessions.getByRole('row', { name: /This device/ })).toHaveCount(1);
  const phoneRow = sessions.getByRole('row', { name: /Safari on iPhone/ });
  await expect(phoneRow).toContainText('127.0.0.1');
  if (javaScriptEnabled) {
    expect(await accessibilityViolations(page)).toEqual([]);
  }
  await phoneRow.getByRole('button', { name: /^End the session of Safari on iPhone/ }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('status')).toHaveText('The session is ended: that device is signed out.');
  await expect(sessions.getByRole('row')).toHaveCount(2);

  await phone.goto('/keys');
  await expect(phone).toHaveURL(/\/login\?next=/);
  await other.close();
});

test('confirming the password again leads back to the page that asked', async ({ page, javaScriptEnabled }) => {
  await register(page, 'Confirmer');
  await page.goto('/confirm-password?next=/keys');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Confirm it’s you');
  if (javaScriptEnabled) {
    expect(await accessibilityViolations(page)).toEqual([]);
  }
  await page.getByLabel('Password', { exact: true }).fill('not my password');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('That is not your password.')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API keys');
});
