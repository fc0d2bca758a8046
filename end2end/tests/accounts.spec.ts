import { expect, test, type Page } from '@playwright/test';
import { accessibilityViolations, signOut } from './support';

// Runs with and without JavaScript: every form must work both ways.

const PASSWORD = 'correct horse battery';

function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

async function register(page: Page, name: string, email: string) {
  await page.goto('/register');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('register, sign out, and come back through sign-in', async ({ page }) => {
  const email = uniqueEmail('journey');
  await register(page, 'Ada Lovelace', email);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome, Ada Lovelace');
  await expect(page.getByRole('navigation', { name: 'Account' })).toContainText('Ada Lovelace');

  await signOut(page);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();

  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome, Ada Lovelace');
});

test('a stranger’s wrong passwords make strangers wait, never the owner’s own browser', async ({ page, browser, baseURL, javaScriptEnabled }) => {
  const email = uniqueEmail('throttle');
  await register(page, 'Grace', email); // this browser is now known to the account
  await signOut(page);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();

  const strangerContext = await browser.newContext({ baseURL, javaScriptEnabled });
  const stranger = await strangerContext.newPage();
  const alert = stranger.getByRole('alert').filter({ hasText: /\S/ });
  const generic = "That e-mail and password don't match an account.";
  for (let attempt = 1; attempt <= 5; attempt++) {
    await stranger.goto('/login');
    await signIn(stranger, email, `wrong guess number ${attempt}`);
    await expect(alert).toHaveText(generic);
  }
  // No lock-out: past five failures, each one doubles the wait (1 s, 2 s,
  // 4 s…), which the message names. Three more failures make it 8 s.
  let failures = 5;
  while (failures < 8) {
    await stranger.goto('/login');
    await signIn(stranger, email, `wrong guess number ${failures + 1}`);
    await expect(alert).toHaveText(/match an account|Too many sign-in attempts\. Wait (a second|\d+ seconds)/);
    if ((await alert.textContent()) === generic) {
      failures += 1;
    } else {
      await stranger.waitForTimeout(1000);
    }
  }
  await stranger.goto('/login');
  await signIn(stranger, email, PASSWORD);
  await expect(alert).toContainText('Too many sign-in attempts');
  await expect(stranger).not.toHaveURL(/\/dashboard$/);
  await strangerContext.close();

  // The owner's browser signed in to this account before: it is not held up.
  await page.goto('/login');
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
});

test('registration explains what is wrong next to the field, keeping what was typed at a clean address', async ({ page }) => {
  await page.goto('/register');
  const email = uniqueEmail('short');
  await page.getByLabel('Your name').fill('Short');
  await page.getByLabel('E-mail').fill(email);
  // The browser checks the length first, as the server would.
  await page.getByLabel('Password').fill('tooshort');
  await page.getByRole('button', { name: 'Create account' }).click();
  expect(await page.getByLabel('Password').evaluate((input: HTMLInputElement) => input.validity.tooShort)).toBe(true);
  await expect(page).toHaveURL(/\/register$/);

  // A password only the server can judge: refused there, and the page
  // comes back with the reason, the name and address as typed (never the
  // password), at its own address.
  await page.getByLabel('Password').fill('password1234');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#field-password-error')).not.toBeEmpty();
  await expect(page).toHaveURL(/\/register$/);
  await expect(page.getByLabel('Your name')).toHaveValue('Short');
  await expect(page.getByLabel('E-mail')).toHaveValue(email);
  await expect(page.getByLabel('Password')).toHaveValue('');
  // Shown once: a reload does not repeat it.
  await page.reload();
  await expect(page.locator('#field-password-error')).toBeEmpty();
});

test('deleting the account takes the password, then signs out for good', async ({ page, javaScriptEnabled }) => {
  const email = uniqueEmail('leaving');
  await register(page, 'Leaving Soon', email);
  await page.goto('/account');
  await expect(page.getByRole('table', { name: 'Recent activity' }).getByRole('row')).toHaveCount(2); // header + "Account created"
  await expect(page.locator('[data-event]')).toHaveAttribute('data-event', 'account_created');
  if (javaScriptEnabled) {
    expect(await accessibilityViolations(page)).toEqual([]);
  }

  await page.getByLabel('Your password').fill('not the password');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByText('That is not your password, so the account was kept.')).toBeVisible();

  await page.getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/\?account=deleted$/);
  await expect(page.getByRole('status')).toContainText('Your account is deleted');
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();

  await page.goto('/login');
  await signIn(page, email, PASSWORD);
  await expect(page.getByText("That e-mail and password don't match an account.")).toBeVisible();
});
