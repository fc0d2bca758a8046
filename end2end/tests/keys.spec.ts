import { expect, test } from '@playwright/test';
import { accessibilityViolations, createKey, keyRow, mailTo, openCreateKeyForm, openKeyMenu, register, subscribedUser } from './support';

// Runs with and without JavaScript: the key is shown once either way.

test('a subscriber creates a key that works at once, then revokes it', async ({ page, request, javaScriptEnabled, context }) => {
  const email = await subscribedUser(page, 'Key Holder');
  await page.getByRole('link', { name: 'Create your API key' }).click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API keys');

  // A first key: the form is open already.
  await page.getByLabel('Key name').fill('laptop');
  await page.getByRole('button', { name: 'Create API key' }).click();
  const panel = page.locator('.key-reveal');
  await expect(panel).toContainText('it will not be shown again');
  const key = (await panel.locator('.key-value code').textContent())!.trim();
  expect(key).toMatch(/^tp_live_sk_[0-9A-Za-z]{36}$/);
  if (javaScriptEnabled) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await panel.getByRole('button', { name: 'Copy the new API key' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    expect(await accessibilityViolations(page)).toEqual([]);
  }

  const me = await request.get('/v1/users/me', { headers: { 'X-API-Key': key } });
  expect(me.status()).toBe(200);
  expect((await me.json()).display_name).toBe('Key Holder');

  // The security notice, in the sandbox mailbox (these runs have no SMTP).
  const notice = await mailTo(page, email, 'A new API key was created — Tracepipe');
  await expect(page.getByRole('note')).toContainText('Sandbox — not sent.');
  await expect(notice).toContainText('Key: laptop');
  await expect(notice).not.toContainText(key);
  await notice.getByRole('link', { name: /\/keys$/ }).click();
  await expect(page).toHaveURL(/\/keys$/);

  // Listed masked, never in full again.
  await page.goto('/keys');
  const row = keyRow(page, 'laptop');
  await expect(row).toContainText(`tp_live_sk_${key.slice(11, 15)}…${key.slice(-4)}`);
  await expect(row).toContainText('Active');
  await expect(page.getByRole('main')).not.toContainText(key);

  // Revoking asks in place, under the key's row, saying what stops working.
  await openKeyMenu(page, 'laptop');
  await row.getByRole('link', { name: 'Revoke laptop' }).click();
  const confirm = page.getByRole('region', { name: 'Revoke laptop' });
  await expect(confirm).toContainText('Every program that sends it gets 401');
  await expect(confirm).toBeInViewport();
  await page.getByRole('button', { name: 'Revoke “laptop” now' }).click();
  await expect(page.getByRole('status')).toHaveText('“laptop” is revoked: programs that send it get 401 from now on.');
  await expect(row).toHaveCount(0);
  // Said once: the address is clean and a reload does not say it again.
  await expect(page).toHaveURL(/\/keys$/);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API keys');
  await expect(page.getByText('is revoked')).toHaveCount(0);

  const after = await request.get('/v1/users/me', { headers: { 'X-API-Key': key } });
  expect(after.status()).toBe(401);
  expect((await after.json()).error.code).toBe('unauthorized');
});

test('without a plan or a confirmed address, the keys page says what is missing', async ({ page }) => {
  await register(page, 'No Plan Yet');
  await page.goto('/keys');
  await expect(page.getByText('Creating API keys needs a confirmed e-mail address')).toBeVisible();
  await expect(page.getByText('Creating API keys needs an active plan.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Choose a plan' })).toHaveAttribute('href', '/pricing');
  await expect(page.getByLabel('Key name')).toHaveCount(0);
});

for (const width of [390, 1280]) {
  test(`at ${width} px the new secret shows where the reader is, focused, and the form starts over`, async ({ page }) => {
    await page.setViewportSize({ width, height: 800 });
    await subscribedUser(page, 'Scrolled Down');
    await page.goto('/keys');
    await createKey(page, 'first');
    // With a key listed, the form waits behind the page's "Create key" button.
    await page.goto('/keys');
    await expect(page.getByLabel('Key name')).toBeHidden();
    await openCreateKeyForm(page);
    await page.getByLabel('Key name').fill('second');
    await page.getByRole('button', { name: 'Create API key' }).click();

    const reveal = page.getByRole('dialog', { name: 'Your new key “second”' });
    await expect(reveal).toBeInViewport();
    await expect(reveal.locator('.key-value code')).toBeInViewport();
    await expect(reveal).toContainText('export TRACEPIPE_API_KEY="tp_live_sk_');
    await expect(reveal.getByRole('heading', { name: 'Your new key “second”' })).toBeFocused();
    await reveal.getByRole('button', { name: 'I’ve saved it' }).click();
    await expect(reveal).toBeHidden();
    // The form folded away and starts over when opened again.
    await expect(page.getByLabel('Key name')).toBeHidden();
    await openCreateKeyForm(page);
    await expect(page.getByLabel('Key name')).toHaveValue('');
    await expect(keyRow(page, 'second')).toBeVisible();
  });
}

test('the keys table sorts by a column and filters by status, and the address keeps the view', async ({ page }) => {
  await subscribedUser(page, 'Table Sorter');
  await page.goto('/keys');
  for (const name of ['beta', 'alpha', 'gamma']) await createKey(page, name);
  await page.goto('/keys');
  const names = () => page.locator('tr.key-row .key-name').allTextContents();
  // Newest first by default (keys made within one second tie: their order is not asserted).
  const table = page.getByRole('table', { name: /Your API keys/ });
  await expect(table.getByRole('columnheader', { name: 'Created' })).toHaveAttribute('aria-sort', 'descending');
  expect((await names()).sort()).toEqual(['alpha', 'beta', 'gamma']);
  await table.getByRole('link', { name: 'Name', exact: true }).click();
  await expect(page).toHaveURL(/\/keys\?sort=name$/);
  await expect.poll(names).toEqual(['alpha', 'beta', 'gamma']);
  await expect(table.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'ascending');
  // Again: the other way round.
  await table.getByRole('link', { name: 'Name', exact: true }).click();
  await expect.poll(names).toEqual(['gamma', 'beta', 'alpha']);

  await openKeyMenu(page, 'alpha');
  await page.getByRole('button', { name: 'Disable alpha' }).click();
  await expect(page.getByRole('status')).toHaveText('“alpha” is disabled: it answers 401 until you enable it again.');
  const filters = page.getByRole('navigation', { name: 'Show keys by status' });
  await expect(filters.getByRole('link')).toHaveText([/All\s*3/, /Active\s*2/, /Disabled\s*1/]);
  await filters.getByRole('link', { name: /Disabled/ }).click();
  await expect(page).toHaveURL(/status=disabled/);
  await expect.poll(names).toEqual(['alpha']);
  await expect(filters.getByRole('link', { name: /Disabled/ })).toHaveAttribute('aria-current', 'true');
  // The view survives a reload: it is in the address.
  await page.reload();
  expect(await names()).toEqual(['alpha']);
});

test('a form says what is running and takes no second submission meanwhile', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'the busy label and the single submission come from /forms.js');
  await subscribedUser(page, 'Double Clicker');
  await page.goto('/keys');
  // A post still running: the first submission is kept from leaving the
  // page (prevented before /forms.js sees it), as a slow answer would.
  await page.getByLabel('Key name').fill('held');
  await page.evaluate(() => window.addEventListener('submit', (event) => event.preventDefault(), { capture: true, once: true }));
  await page.getByRole('button', { name: 'Create API key' }).click();
  const busy = page.getByRole('button', { name: 'Creating…' });
  await expect(busy).toBeVisible();
  await expect(busy).toHaveAttribute('aria-disabled', 'true');
  // A second click meanwhile posts nothing: no key is made.
  await busy.click({ force: true }); // aria-disabled: Playwright would wait for it to be enabled
  await page.goto('/keys');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API keys');
  await expect(keyRow(page, 'held')).toHaveCount(0);
  await expect(page.getByText('No keys yet.')).toBeVisible();
});
