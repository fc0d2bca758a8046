import { expect, test } from '@playwright/test';

// Runs twice: with JavaScript (hydrated) and without (server HTML only).
// Everything here must hold in both.

const PLAN_NAMES = ['Starter', 'Pro', 'Scale'];

test('the landing page tells the whole story without needing scripts', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    'Turn real product sessions into training data for your models',
  );
  await expect(page.locator('h1')).toHaveCount(1);
  for (const landmark of ['banner', 'main', 'contentinfo']) {
    await expect(page.getByRole(landmark)).toHaveCount(1);
  }
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Create account' })).toBeVisible();

  const steps = page.locator('#how-it-works li.step');
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(2)).toContainText('/v1/users/me');

  await expect(page.locator('#features li.feature')).toHaveCount(6);

  const plans = page.locator('#plans article.plan-card');
  await expect(plans).toHaveCount(3);
  for (const [index, name] of PLAN_NAMES.entries()) {
    await expect(plans.nth(index).getByRole('heading', { level: 3 })).toHaveText(name);
  }
  await expect(plans.nth(1)).toContainText('$199');
  await expect(plans.nth(1)).toContainText('per month');
  await expect(plans.nth(1)).toContainText('Most popular');
  // The one-time credit pack is not a plan and stays off the preview.
  await expect(page.locator('#plans')).not.toContainText('Credit pack');

  await expect(page.locator('#faq details')).toHaveCount(6);
  await expect(page.getByRole('contentinfo')).toContainText('Tracepipe');
});

test('in-page links lead to their sections and FAQ answers open', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'FAQ' }).click();
  await expect(page).toHaveURL(/#faq$/);
  await expect(page.getByRole('heading', { name: /questions/i, level: 2 })).toBeInViewport();

  const question = page.getByText('How does billing work?');
  const answer = page.getByText(/Subscriptions are paid through Stripe Checkout/);
  await expect(answer).toBeHidden();
  await question.click();
  await expect(answer).toBeVisible();
});

test('keyboard users can skip straight to the content', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
});

for (const width of [360, 768, 1440]) {
  test(`fits a ${width}px wide screen without sideways scrolling`, async ({ page }) => {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(page.locator('#plans article.plan-card').first()).toBeVisible();
  });
}

test('follows the system colour scheme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  const background = () =>
    page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await background()).toBe('rgb(247, 248, 251)');
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await background()).toBe('rgb(13, 17, 23)');
});

test('an unknown address gets a helpful page with status 404', async ({ page }) => {
  const response = await page.goto('/no/such/page?x=1');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("We couldn't find that page");
  await expect(page.getByRole('main')).toContainText('/no/such/page');
  await expect(page).toHaveTitle('Page not found — Tracepipe');
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('h1')).toHaveCount(1);
});

test('the copy button exists only where scripts run', async ({ page, javaScriptEnabled }) => {
  await page.goto('/');
  const snippet = page.locator('#how-it-works .snippet');
  await expect(snippet.locator('code')).toContainText('curl');
  const copy = snippet.getByRole('button', { name: 'Copy the first API call' });
  if (javaScriptEnabled) {
    await expect(copy).toBeVisible();
  } else {
    await expect(copy).toHaveCount(0);
  }
});

test('the API reference reads without scripts: its navigation jumps to each operation', async ({ page }) => {
  await page.goto('/docs/api');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API reference');
  const nav = page.getByRole('navigation', { name: 'API reference' });
  await nav.getByRole('link', { name: 'Create a key' }).click();
  await expect(page).toHaveURL(/#op-create_key$/);
  await expect(page.getByRole('heading', { level: 3, name: 'Create a key' })).toBeInViewport();
  const operation = page.locator('#op-create_key');
  await expect(operation.locator('pre').first()).toContainText('curl -sS --fail-with-body -X POST');
  await expect(operation.getByRole('cell', { name: 'rate_limited', exact: true })).toBeVisible();
  // Its types link to their schemas; the created key's fields include the
  // secret itself, beside the ones every key has.
  await operation.getByRole('link', { name: 'ApiKeyCreated' }).click();
  await expect(page.getByRole('heading', { level: 3, name: 'ApiKeyCreated' })).toBeInViewport();
  const created = page.getByRole('table', { name: 'Fields of ApiKeyCreated' });
  for (const field of ['key', 'id', 'prefix', 'expires_at']) {
    await expect(created.getByRole('rowheader', { name: field, exact: true })).toBeVisible();
  }
});

test('the docs have a home, and every docs page the docs navigation, marking where the reader is', async ({ page }) => {
  const home = await page.goto('/docs');
  expect(home!.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Docs');
  for (const [path, title] of [
    ['/docs', 'Overview'],
    ['/docs/quickstart', 'Quickstart'],
    ['/docs/api', 'API reference'],
    ['/docs/errors', 'Errors'],
    ['/docs/trace-capture', 'Record a browser session'],
  ]) {
    await page.goto(path);
    const docsNav = page.getByRole('navigation', { name: 'Docs', exact: true });
    await expect(docsNav.getByRole('link')).toHaveCount(5);
    await expect(docsNav.getByRole('link', { name: title })).toHaveAttribute('aria-current', 'page');
  }
  // The header's Docs leads to the home.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Docs' }).click();
  await expect(page).toHaveURL(/\/docs$/);
});

for (const path of ['/docs', '/docs/quickstart', '/docs/api', '/docs/errors', '/docs/trace-capture']) {
  for (const width of [360, 1440]) {
    test(`${path} fits a ${width}px wide screen without sideways scrolling`, async ({ page }) => {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
    });
  }
}

test('the sign-in and registration pages point to each other in words that read right', async ({ page }) => {
  await page.goto('/login');
  await expect(page.locator('.form-alternative', { hasText: 'New to Tracepipe' })).toHaveText('New to Tracepipe? Create an account');
  await page.goto('/register');
  await expect(page.locator('.form-alternative', { hasText: 'Already' })).toHaveText('Already have an account? Sign in');
});

test('the header’s Create account button has room around its words', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  const button = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Create account' });
  const sides = await button.evaluate((element) => {
    const style = getComputedStyle(element);
    return [parseFloat(style.paddingLeft), parseFloat(style.paddingRight)];
  });
  for (const side of sides) expect(side).toBeGreaterThanOrEqual(8);
});
