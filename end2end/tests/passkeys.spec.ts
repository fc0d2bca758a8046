import { expect, test, type Page } from '@playwright/test';
import { passkeyURL } from '../playwright.config';
import { PASSWORD, accessibilityViolations, authenticatorCode, mailTo, register, registerConfirmed, signOut } from './support';

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
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('table', { name: 'Passkeys' }).getByRole('row', { name: new RegExp(name) })).toBeVisible();
}

test('add a passkey, sign out, and sign in with the passkey alone', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'passkeys need JavaScript');
  await page.goto('/');
  const { client, authenticatorId } = await addAuthenticator(page);
  await registerConfirmed(page, 'Passkey Person');
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
  await expect(page).toHaveURL(/\/account$/);
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
  const email = await registerConfirmed(page, 'Both Factors');
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

  // Confirming it's you: the passkey stands in for the code there too, under a new session token.
  const sessionCookie = async () => (await page.context().cookies()).find((cookie) => cookie.name.endsWith('tp_session'))!;
  const before = await sessionCookie();
  await page.goto('/confirm-password?next=/keys');
  await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);
  await page.getByRole('button', { name: 'Confirm with a passkey instead' }).click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API keys');
  expect((await sessionCookie()).value).not.toEqual(before.value);
});

test('without JavaScript the passkey buttons are absent and passwords still sign in', async ({ page, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled, 'a page without JavaScript (the chromium-no-js project)');
  await registerConfirmed(page, 'No Script');
  await page.goto('/account');
  await expect(page.getByRole('button', { name: 'Add a passkey' })).toBeHidden();
  await expect(page.getByText('Adding a passkey needs a browser that supports them')).toBeVisible();
  await signOut(page);
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeHidden();
  await page.getByLabel('E-mail').fill('nobody@example.com');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
});

test('a pre-account hijack: an intruder who registered the address gets no passkey, and the owner’s reset leaves them nothing', async ({ browser, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'passkeys need JavaScript');
  const intruderContext = await browser.newContext({ baseURL: passkeyURL });
  const intruder = await intruderContext.newPage();
  await intruder.goto('/');
  const { client, authenticatorId } = await addAuthenticator(intruder);
  const email = await register(intruder, 'Not The Owner');
  await intruder.goto('/account');
  await expect(intruder.getByText('Confirm your e-mail address first: adding a passkey needs it.')).toBeVisible();
  await expect(intruder.getByRole('button', { name: 'Add a passkey' })).toHaveCount(0);
  // The server refuses the ceremony too, asked for without the page.
  const refusal = await intruder.evaluate(async () => {
    const response = await fetch('/api/passkey_registration_options', { method: 'POST', headers: { Accept: 'application/json' } });
    return { status: response.status, error: await response.json() };
  });
  expect(refusal).toEqual({ status: 403, error: 'AddressUnconfirmed' });
  expect((await client.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(0);
  await intruder.goto('/account/two-factor');
  await expect(intruder.getByText('Confirm your e-mail address first: setting up two-step verification needs it.')).toBeVisible();
  await expect(intruder.getByRole('button', { name: 'Set up an authenticator app' })).toHaveCount(0);

  // The owner cannot confirm an address they never registered; they take it back with a reset.
  const ownerContext = await browser.newContext({ baseURL: passkeyURL });
  const owner = await ownerContext.newPage();
  await owner.goto('/forgot-password');
  await owner.getByLabel('E-mail').fill(email);
  await owner.getByRole('button', { name: 'Send the reset link' }).click();
  await expect(owner.getByRole('status')).toContainText('a reset link is on its way');
  const message = await mailTo(owner, email, 'Reset your Tracepipe password');
  await message.getByRole('link', { name: /\/reset-password\?token=/ }).click();
  await owner.getByLabel('New password', { exact: true }).fill('the owner’s own passphrase');
  await owner.getByRole('button', { name: 'Set the new password' }).click();
  await expect(owner).toHaveURL(/\/dashboard$/);
  await owner.goto('/account');
  await expect(owner.getByRole('main')).toContainText(`${email} — Confirmed.`);
  await expect(owner.getByText('No passkeys yet.')).toBeVisible();
  await expect(owner.getByText('Set up two-step verification')).toBeVisible();

  // The intruder is signed out, holding no passkey for the account.
  await intruder.goto('/account');
  await expect(intruder).toHaveURL(/\/login\?next=/);
  expect((await client.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(0);
  await intruderContext.close();
  await ownerContext.close();
});
