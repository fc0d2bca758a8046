import { expect, test } from '@playwright/test';
import { PASSWORD, accessibilityViolations, confirmEmail, createKey, payWith, planCard, uniqueEmail } from './support';

// The seed's promise: a brand-new user registers, confirms their address
// from the (sandbox) mailbox, subscribes and has a working API key in under
// five minutes, then sees the call counted.
// Runs with and without JavaScript, and prints the journey's wall time.

test('five-minute promise: from the landing page to a counted API call', async ({ page, request, javaScriptEnabled }) => {
  test.slow(); // the accessibility scans of two pages, in two colour schemes
  const started = Date.now();
  await page.goto('/');
  await page.getByRole('banner').getByRole('link', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/register$/);
  await page.getByLabel('Your name').fill('Five Minutes');
  const email = uniqueEmail('journey');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  // The checklist knows where the user is and offers the next step.
  const checklist = page.getByTestId('checklist');
  await expect(checklist.getByRole('listitem')).toHaveText([
    /Create your account\s*Done/,
    /Subscribe to a plan\s*To do/,
    /Confirm your e-mail address\s*To do/,
    /Create an API key\s*To do/,
    /Make your first API call\s*To do/,
  ]);
  await expect(page.getByRole('region', { name: 'Confirm your e-mail address.' })).toContainText(email);
  // The mail is opened first, as most people do.
  await confirmEmail(page, email);
  await page.goto('/dashboard');
  await expect(page.getByRole('region', { name: 'Confirm your e-mail address.' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Choose a plan' }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  await planCard(page, 'Starter').getByRole('button', { name: 'Subscribe' }).click();
  await expect(page).toHaveURL(/\/sandbox\/payment\/checkout\/cs_test_/);
  await payWith(page, '4242 4242 4242 4242', 'Subscribe');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're subscribed");

  await page.getByRole('link', { name: 'Create your API key' }).click();
  await expect(page).toHaveURL(/\/keys$/);
  const key = await createKey(page, 'first');

  // The user's first call, as their program would make it.
  const me = await request.get('/v1/users/me', { headers: { 'X-API-Key': key } });
  expect(me.status()).toBe(200);
  expect((await me.json()).display_name).toBe('Five Minutes');
  const seconds = (Date.now() - started) / 1000;

  await page.goto('/dashboard');
  // Every step done: the checklist gives way to the period's usage.
  await expect(page.getByTestId('checklist-done')).toBeVisible();
  await expect(checklist).toHaveCount(0);
  await expect(page.getByTestId('usage-summary')).toContainText('1 API request ·');
  await page.getByRole('link', { name: 'Usage details' }).click();
  await expect(page).toHaveURL(/\/usage$/);
  await expect(page.getByTestId('usage-requests')).toHaveText('1');
  await expect(page.getByTestId('usage-by-key').getByRole('row', { name: /first/ })).toContainText('1');
  await expect(page.getByRole('figure', { name: 'API requests per day, billing period' })).toBeVisible();

  const countedAfter = (Date.now() - started) / 1000;

  if (javaScriptEnabled) {
    // The chart's table too: opened, so its text is checked.
    await page.getByRole('main').locator('details.chart-table').evaluate((element) => element.setAttribute('open', ''));
    await expect(page.getByRole('table', { name: 'API requests per day, billing period' })).toBeVisible();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.goto('/dashboard');
    expect(await accessibilityViolations(page)).toEqual([]);
  }

  console.log(
    `five-minute promise (${javaScriptEnabled ? 'with' : 'without'} JavaScript): ` +
      `landing to a working API call in ${seconds.toFixed(1)} s, ` +
      `counted on /usage at ${countedAfter.toFixed(1)} s`,
  );
  expect(seconds).toBeLessThan(300);
});
