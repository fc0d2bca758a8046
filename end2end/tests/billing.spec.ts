import { expect, test, type Page } from '@playwright/test';
import { SANDBOX_KEY } from '../playwright.config';
import { accessibilityViolations, payWith, planCard, register, startCheckout } from './support';

// Runs with and without JavaScript, against the built-in sandbox payment
// service (the storefront under test has no PAYMENT_SERVICE_URL).

test('subscribe with a test card, see the plan, cancel it in the portal', async ({ page }) => {
  await register(page, 'Billing Tester');
  await expect(page.getByRole('region', { name: 'Your plan' })).toContainText("You don't have a plan yet.");

  await startCheckout(page, 'Pro', 'Subscribe');
  await expect(page.getByRole('main')).toContainText('Pro');
  await payWith(page, '4242 4242 4242 4242', 'Subscribe');

  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_test_/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're subscribed");
  await expect(page.getByRole('main')).toContainText('Pro plan');
  await expect(page.getByRole('main')).toContainText('Active');
  await expect(page.getByRole('link', { name: 'Create your API key' })).toHaveAttribute('href', '/keys');

  await page.goto('/billing');
  const renewal = page.locator('main p', { hasText: 'Paid through' }).locator('time');
  await expect(renewal).toHaveText(/^\d{1,2} [A-Z][a-z]+ \d{4}$/);
  const due = new Date(await renewal.getAttribute('datetime') as string);
  const days = (due.getTime() - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(27);
  expect(days).toBeLessThan(32);

  await page.goto('/pricing');
  await expect(planCard(page, 'Pro')).toContainText('Current plan');
  await expect(planCard(page, 'Pro').getByRole('button', { name: 'Subscribe' })).toHaveCount(0);
  await expect(planCard(page, 'Starter').getByRole('link', { name: 'Switch in Manage billing' })).toBeVisible();

  await page.goto('/dashboard');
  await expect(page.getByRole('region', { name: 'Your plan' })).toContainText('Pro plan');

  await page.goto('/billing');
  await page.getByRole('button', { name: 'Manage billing' }).click();
  await expect(page).toHaveURL(/\/sandbox\/payment\/portal\/bps_/);
  await expect(page.getByText('Sandbox — no real payment.')).toBeVisible();
  await expect(page.getByRole('main')).toContainText('Active — renews on');
  await page.getByRole('button', { name: 'Cancel immediately' }).click();
  await expect(page.getByRole('status')).toHaveText('Your subscription was updated.');
  await expect(page.getByRole('main')).toContainText('Canceled — ended on');
  await page.getByRole('link', { name: /Return to Tracepipe/ }).click();

  await expect(page).toHaveURL(/\/billing\?from=portal$/);
  await expect(page.getByRole('main')).toContainText('Ended');
  await expect(page.getByRole('main')).toContainText('It ended on');
  await expect(page.getByRole('main')).toContainText('Subscription');
});

test('a declined card shows the decline; the cancel link comes back', async ({ page }) => {
  await register(page, 'Declined Card');
  await startCheckout(page, 'Starter', 'Subscribe');
  await payWith(page, '4000 0000 0000 0002', 'Subscribe');
  await expect(page.getByRole('alert')).toHaveText('Your card was declined.');
  await expect(page).toHaveURL(/\/sandbox\/payment\/checkout\/cs_test_/);

  await page.getByRole('link', { name: /Cancel and return to Tracepipe/ }).click();
  await expect(page).toHaveURL(/\/billing\/cancel$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Checkout canceled');
  await page.goto('/billing');
  await expect(page.getByRole('main')).toContainText("You don't have a plan yet.");
});

test('signed-in billing pages and the sandbox pages pass the accessibility scan', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'axe runs as a script inside the page');
  // Twelve axe scans (six pages, two colour schemes) of 2 s or so each take
  // about the default 30 s on their own: triple the budget.
  test.slow();
  await register(page, 'Screen Reader');
  const violations: string[] = [];
  for (const path of ['/pricing', '/billing', '/dashboard']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    violations.push(...(await accessibilityViolations(page)));
  }
  await startCheckout(page, 'Starter', 'Subscribe');
  violations.push(...(await accessibilityViolations(page)));
  await payWith(page, '4242 4242 4242 4242', 'Subscribe');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're subscribed");
  violations.push(...(await accessibilityViolations(page)));
  await page.goto('/billing');
  violations.push(...(await accessibilityViolations(page)));
  await page.getByRole('button', { name: 'Manage billing' }).click();
  await expect(page).toHaveURL(/\/sandbox\/payment\/portal\//);
  violations.push(...(await accessibilityViolations(page)));
  expect(violations).toEqual([]);
});

test('a credit pack can be bought and is listed on the billing page', async ({ page }) => {
  await register(page, 'Credit Buyer');
  await startCheckout(page, 'Credit pack', 'Buy');
  await payWith(page, '4242424242424242', 'Pay');
  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_test_/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Thank you');

  await page.goto('/billing');
  const purchases = page.getByRole('table');
  await expect(purchases).toContainText('Credit pack');
  await expect(purchases).toContainText('One-time purchase');
});

test('visitors are asked to create an account before paying', async ({ page }) => {
  await page.goto('/payment');
  await expect(page).toHaveURL(/\/pricing$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pricing');
  await expect(page.getByText('Sandbox — no real payment.')).toBeVisible();
  const cta = planCard(page, 'Pro').getByRole('link', { name: 'Create an account to subscribe' });
  await expect(cta).toHaveAttribute('href', '/register?next=/pricing');
  await page.goto('/billing');
  await expect(page).toHaveURL(/\/login\?next=\/billing$/);
});

test('the payment service key reaches no page, no response and no bundle file', async ({ page }) => {
  const seen: string[] = [];
  page.on('response', async (response) => {
    const body = await response.body().catch(() => Buffer.alloc(0));
    seen.push(`${response.url()}\n${body.toString('latin1')}`);
  });
  await register(page, 'Key Auditor');
  await startCheckout(page, 'Starter', 'Subscribe');
  await payWith(page, '4242 4242 4242 4242', 'Subscribe');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're subscribed");
  for (const path of ['/pricing', '/billing', '/dashboard', '/keys']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  // Every file /keys (it may carry an island) links to from /pkg (wasm,
  // js, css), fetched whole.
  const assets = await page.evaluate(() =>
    [...document.querySelectorAll('link[href^="/pkg/"], script[src^="/pkg/"]')].map(
      (element) => element.getAttribute('href') ?? element.getAttribute('src'),
    ),
  );
  const files = await Promise.all(
    assets.map(async (asset) => {
      const response = await page.request.get(asset!, { headers: { 'accept-encoding': 'identity' } });
      return `${asset}\n${(await response.body()).toString('latin1')}`;
    }),
  );
  expect(files.map((file) => file.split('\n')[0].split('.').pop())).toEqual(
    expect.arrayContaining(['css', 'js', 'wasm']),
  );
  expect(seen.length).toBeGreaterThan(5);
  for (const text of [...seen, ...files]) {
    expect(text.includes(SANDBOX_KEY), text.split('\n')[0]).toBe(false);
  }
});
