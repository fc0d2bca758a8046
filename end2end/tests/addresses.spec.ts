import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, accessibilityViolations, confirmEmail, mailTo, register, signOut, uniqueEmail } from './support';

// Confirming and changing the account's address, with and without
// JavaScript, through the sandbox mailbox (these runs have no SMTP server).

const CONFIRM = 'Confirm your e-mail address for Tracepipe';
const CONFIRM_NEW = 'Confirm your new e-mail address for Tracepipe';

/** The activity row matching `what`, looked for again until the log has it (it is written just after the action). */
async function expectActivity(page: Page, what: RegExp, text: string) {
  const row = page.getByRole('row', { name: what });
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText(text, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
}

function banner(page: Page) {
  return page.getByRole('region', { name: 'Confirm your e-mail address.' });
}

test('a banner asks for the confirmation until the link is used, and a new link replaces the old', async ({ page }) => {
  const email = await register(page, 'Unconfirmed');
  await expect(banner(page)).toContainText(`We sent a link to ${email}`);
  await banner(page).getByRole('button', { name: 'Send a new link' }).click();
  await expect(page).toHaveURL(/\/dashboard\?confirmation=sent$/);
  await expect(banner(page).getByRole('status')).toHaveText('A new link is on its way. It works once, for 24 hours.');

  // Newest first: the first is the new link, the second the replaced one.
  await mailTo(page, email, CONFIRM);
  const links = page
    .getByRole('article')
    .filter({ hasText: email })
    .getByRole('link', { name: /\/confirm-email\?token=/ });
  await expect(links).toHaveCount(2);
  const replaced = await links.nth(1).getAttribute('href');
  await links.first().click();
  await expect(page.getByText(`Confirm that ${email} is your account's address.`)).toBeVisible();
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(banner(page)).toHaveCount(0);
  await expect(page.getByRole('main')).toContainText(`${email} — Confirmed.`);
  await expectActivity(page, /E-mail address confirmed/, email);

  await page.goto(replaced!);
  await expect(page.getByRole('alert')).toContainText('expired or was already used');
});

test('changing the address takes the password and the new address’s link, then the new address signs in', async ({ page }) => {
  const old = await register(page, 'Mover');
  await confirmEmail(page, old);
  const changed = uniqueEmail('moved');

  await page.getByLabel('New e-mail address').fill(changed);
  await page.getByLabel('Account password').fill('not my password');
  await page.getByRole('button', { name: 'Change e-mail address' }).click();
  await expect(page.getByText('That is not your password, so nothing was changed.')).toBeVisible();

  await page.getByLabel('New e-mail address').fill(changed);
  await page.getByLabel('Account password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change e-mail address' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('status')).toContainText('Check the new address');
  await expect(page.getByRole('main')).toContainText(`Waiting for you to confirm ${changed}`);
  // Until the link is used, the account keeps its address.
  await expect(page.getByRole('main')).toContainText(`Signed in as ${old}`);

  const message = await mailTo(page, changed, CONFIRM_NEW);
  await message.getByRole('link', { name: /\/confirm-email\?token=/ }).click();
  await expect(page.getByText(`Confirm ${changed} as your account's new address.`)).toBeVisible();
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('main')).toContainText(`Signed in as ${changed}`);
  await expectActivity(page, /E-mail address changed/, `${old} → ${changed}`);

  const notice = await mailTo(page, old, 'Your e-mail address was changed — Tracepipe');
  await expect(notice).toContainText(`New address: ${changed}`);

  await page.goto('/dashboard');
  await signOut(page);
  for (const [address, works] of [[old, false], [changed, true]] as const) {
    await page.goto('/login');
    await page.getByLabel('E-mail').fill(address);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    if (works) {
      await expect(page).toHaveURL(/\/dashboard$/);
    } else {
      await expect(page.getByRole('alert').filter({ hasText: "don't match" })).toBeVisible();
    }
  }
});

test('the confirmation pages, the banner and a waiting change pass axe in both colour schemes', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'axe runs as a script inside the page');
  const email = await register(page, 'Accessible');
  expect(await accessibilityViolations(page)).toEqual([]);
  await page.goto('/account');
  await page.getByLabel('New e-mail address').fill(uniqueEmail('waiting'));
  await page.getByLabel('Account password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change e-mail address' }).click();
  await expect(page.getByRole('main')).toContainText('Waiting for you to confirm');
  expect(await accessibilityViolations(page)).toEqual([]);

  const message = await mailTo(page, email, CONFIRM);
  await message.getByRole('link', { name: /\/confirm-email\?token=/ }).click();
  await expect(page.getByRole('button', { name: 'Confirm this address' })).toBeVisible();
  expect(await accessibilityViolations(page)).toEqual([]);
  await page.goto('/confirm-email?token=nonsense');
  await expect(page.getByRole('alert')).toContainText('expired or was already used');
  expect(await accessibilityViolations(page)).toEqual([]);
});
