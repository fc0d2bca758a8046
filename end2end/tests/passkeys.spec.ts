import { expect, test, type Page } from '@playwright/test';
import { passkeyURL } from '../playwright.config';
import { PASSWORD, accessibilityViolations, authenticatorCode, register, signOut } from './support';

// Passkeys in Chromium with a virtual authenticator (Chrome DevTools
// Protocol), on the storefront reached as localhost: WebAuthn needs a
// domain name. The ceremonies need JavaScript; without it the buttons are
// absent and the password forms work as ever.

test.use({ baseURL: passkeyURL });

/** A platform authenticator with user verification, as a laptop's. */
async function addAuthenticator(page: Page) {
  const client = await page.context().newCDPSession(page);
  await client.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await client.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { client, authenticatorId };
}

async function addPasskey(page: Page, name: string) {
  await page.goto('/account');
  await page.getByLabel('Passkey name').fill(name);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page).toHaveURL(/\/account\?saved=passkey-added$/);
  await expect(page.getByRole('table', { name: 'Passkeys' }).getByRole('row', { name: new RegExp(name) })).toBeVisible();
}

test('add a passkey, sign out, and sign in with the passkey alone', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'passkeys need JavaScript');
  await page.goto('/');
  const { client, authenticatorId } = await addAuthenticator(page);
  await register(page, 'Passkey Person');
  await addPasskey(page, 'Test laptop');
  const row = page.getByRole('table', { name: 'Passkeys' }).getByRole('row', { name: /Test laptop/ });
  await expect(row).toContainText('Never');
  const { credentials } = await client.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);
  expect(await accessibilityViolations(page)).toEqual([]);

  await signOut(page);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/account');
  await expect(row).not.toContainText('Never');
  const activity = page.getByRole('table', { name: 'Recent activity' });
  await expect(activity.getByRole('row', { name: /Passkey added: Test laptop/ })).toBeVisible();
  await expect(activity.getByRole('row', { name: /Signed in: with a passkey/ })).toBeVisible();

  // Removing it needs no JavaScript: a plain form.
  await row.getByRole('button', { name: 'Remove the passkey Test laptop' }).click();
  await expect(page).toHaveURL(/\/account\?saved=passkey-removed$/);
  await expect(page.getByText('No passkeys yet.')).toBeVisible();
  await signOut(page);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByText('That passkey did not work.')).toBeVisible();
});

test('a passkey stands in for the authenticator code at the second step', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'passkeys need JavaScript');
  await page.goto('/');
  await addAuthenticator(page);
  const email = await register(page, 'Both Factors');
  await page.goto('/account/two-factor');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const key = (await page.locator('code.key-value').textContent()) ?? '';
  await page.getByLabel('Code', { exact: true }).fill(authenticatorCode(key));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();
  await addPasskey(page, 'Phone');

  await signOut(page);
  await page.goto('/login');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/login\/verify$/);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});

test('without JavaScript the passkey buttons are absent and passwords still sign in', async ({ page, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled, 'a page without JavaScript (the chromium-no-js project)');
  await register(page, 'No Script');
  await page.goto('/account');
  await expect(page.getByRole('button', { name: 'Add a passkey' })).toBeHidden();
  await expect(page.getByText('Adding a passkey needs a browser that supports them')).toBeVisible();
  await signOut(page);
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeHidden();
  await page.getByLabel('E-mail').fill('nobody@example.com');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
});
