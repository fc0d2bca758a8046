import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, accessibilityViolations, authenticatorCode, previousStepCode, registerConfirmed, signOut } from './support';

// Two-step verification as a person meets it, with and without JavaScript:
// set up from the key the page shows, sign in with password and code, then
// with a recovery code; the pages pass an accessibility scan.

async function signInWithPassword(page: Page, email: string) {
  await page.goto('/login');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login\/verify$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Two-step verification');
}

async function enterCode(page: Page, code: string) {
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
}

test('two-step verification: set up, then sign in with a code and with a recovery code', async ({ page, javaScriptEnabled }) => {
  const email = await registerConfirmed(page, 'Two Step');
  await page.goto('/account');
  await page.getByRole('link', { name: 'Set up two-step verification' }).click();
  await expect(page).toHaveURL(/\/account\/two-factor$/);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  const key = (await page.locator('code.key-value').textContent()) ?? '';
  expect(key.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32}$/);
  if (javaScriptEnabled) {
    expect(await accessibilityViolations(page)).toEqual([]);
  }

  await page.getByLabel('Code', { exact: true }).fill('123');
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await expect(page.getByText('Enter the six-digit code your authenticator app shows')).toBeVisible();
  // The step before's code (still accepted), so the current one is left to sign in with.
  await page.getByLabel('Code', { exact: true }).fill(await previousStepCode(key));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();
  const codes = await page.locator('.recovery-codes li').allTextContents();
  expect(codes).toHaveLength(10);
  await expect(page.getByRole('link', { name: 'Download as text' })).toHaveAttribute('download', 'tracepipe-recovery-codes.txt');
  await expect(page.getByText('Two-step verification is on')).toBeVisible();

  // The code used for set-up is spent; the app's current one signs in.
  await signOut(page);
  await signInWithPassword(page, email);
  if (javaScriptEnabled) {
    expect(await accessibilityViolations(page)).toEqual([]);
  }
  await enterCode(page, '000000');
  await expect(page.getByText('That code is not right, or was already used.')).toBeVisible();
  await enterCode(page, authenticatorCode(key));
  await expect(page).toHaveURL(/\/dashboard$/);

  // A recovery code works once, in place of the app.
  await signOut(page);
  await signInWithPassword(page, email);
  await enterCode(page, codes[0]);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/account');
  await expect(page.getByText('Recovery codes left: 9.')).toBeVisible();
  await signOut(page);
  await signInWithPassword(page, email);
  await enterCode(page, codes[0]);
  await expect(page.getByText('That code is not right, or was already used.')).toBeVisible();
});

test('confirming it is you on a two-step account asks for the code, and the old session cookie stops working', async ({ page, browser, baseURL }) => {
  await registerConfirmed(page, 'Confirm With Code');
  await page.goto('/account/two-factor');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = (await page.locator('code.key-value').textContent()) ?? '';
  await page.getByLabel('Code', { exact: true }).fill(await previousStepCode(key));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();

  const sessionCookie = async () => (await page.context().cookies()).find((cookie) => cookie.name.endsWith('tp_session'))!;
  const before = await sessionCookie();
  await page.goto('/confirm-password?next=/keys');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Confirm it’s you');
  await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);
  await page.getByLabel('Code from your authenticator app').fill('000000');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('That code is not right, or was already used.')).toBeVisible();
  await page.getByLabel('Code from your authenticator app').fill(authenticatorCode(key));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API keys');

  const after = await sessionCookie();
  expect(after.value).not.toEqual(before.value);
  // A browser holding the old cookie (copied before) is signed out.
  const stale = await browser.newContext({ baseURL });
  await stale.addCookies([{ ...before }]);
  const stalePage = await stale.newPage();
  await stalePage.goto('/dashboard');
  await expect(stalePage).toHaveURL(/\/login\?next=/);
  await stale.close();
});
