import { expect, test } from '@playwright/test';
import { confirmEmail, createKey, openKeyMenu, PASSWORD, payWith, planCard, signOut, uniqueEmail } from './support';

// Two instances sharing one PostgreSQL (scripts/two-instances starts them;
// playwright.multi.config.ts runs this file only). The journey alternates
// between them: every step lands on the other instance from the one before,
// and each sees what the other did — sessions, subscription, keys, usage,
// revocation and sign-out — because nothing lives only in one process.

const A = process.env.INSTANCE_A_URL!;
const B = process.env.INSTANCE_B_URL!;

test('the journey alternates between two instances and nothing is lost', async ({ page, request }) => {
  test.slow();
  // A: register. The session cookie is the host's, so B sees it too.
  await page.goto(`${A}/register`);
  await page.getByLabel('Your name').fill('Two Instances');
  const email = uniqueEmail('multi');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(`${A}/dashboard`);
  // B's sandbox mailbox holds what either instance delivered; the link is A's.
  await confirmEmail(page, email, B);

  // B: already signed in; subscribe through B's checkout.
  await page.goto(`${B}/pricing`);
  await planCard(page, 'Starter').getByRole('button', { name: 'Subscribe' }).click();
  await expect(page).toHaveURL(/\/sandbox\/payment\/checkout\/cs_test_/);
  await payWith(page, '4242 4242 4242 4242', 'Subscribe');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're subscribed");

  // A: sees the plan and creates a key.
  await page.goto(`${A}/keys`);
  const key = await createKey(page, 'shared');

  // B answers the key; A's dashboard counts the call once B has written it.
  const me = await request.get(`${B}/v1/users/me`, { headers: { 'X-API-Key': key } });
  expect(me.status()).toBe(200);
  expect((await me.json()).display_name).toBe('Two Instances');
  await expect(async () => {
    await page.goto(`${A}/dashboard`);
    await expect(page.getByTestId('checklist-done')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });

  // B: revokes the key; A refuses it on the very next request.
  await page.goto(`${B}/keys`);
  await openKeyMenu(page, 'shared');
  await page.getByRole('link', { name: 'Revoke shared' }).click();
  await page.getByRole('button', { name: 'Revoke “shared” now' }).click();
  await expect(page.getByRole('status')).toHaveText('“shared” is revoked: programs that send it get 401 from now on.');
  const refused = await request.get(`${A}/v1/users/me`, { headers: { 'X-API-Key': key } });
  expect(refused.status()).toBe(401);

  // A: the activity log has what happened on both instances.
  await page.goto(`${A}/account`);
  await expect(page.locator('[data-event]').first()).toHaveAttribute('data-event', 'key_revoked');
  await expect(page.locator('[data-event="key_created"]')).toHaveCount(1);

  // B: signs out; A no longer knows the session.
  await page.goto(`${B}/dashboard`);
  await signOut(page);
  await expect(page).toHaveURL(`${B}/`);
  await page.goto(`${A}/dashboard`);
  await expect(page).toHaveURL(`${A}/login?next=/dashboard`);
});
