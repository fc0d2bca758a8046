import { expect, test, type Page } from '@playwright/test';
import { accessibilityViolations, createKey, keyRow, register, signOut, subscribedUser } from './support';

// The signed-in app's navigation. Runs with and without JavaScript: links
// are plain links and the account menu is a <details> disclosure.

const PAGES = [
  { link: 'API keys', url: /\/keys$/, heading: 'API keys' },
  { link: 'Usage', url: /\/usage$/, heading: 'Usage' },
  { link: 'Billing', url: /\/billing$/, heading: 'Billing' },
  { link: 'Docs', url: /\/docs$/, heading: 'Docs' },
  { link: 'Dashboard', url: /\/dashboard$/, heading: /^Welcome, / },
];

function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' });
}

/** The header's account menu (the console's sidebar is the main navigation). */
function accountNav(page: Page) {
  return page.getByRole('navigation', { name: 'Account' });
}

async function openAccountMenu(page: Page) {
  await accountNav(page).locator('summary').click();
}

test('from the dashboard, the navigation reaches every signed-in page and marks it', async ({ page }) => {
  await register(page, 'Nav Walker');
  const nav = mainNav(page);
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
  // The landing page's sections belong to visitors, not to the app.
  await expect(nav.getByRole('link', { name: 'How it works' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'FAQ' })).toHaveCount(0);

  for (const { link, url, heading } of PAGES) {
    await nav.getByRole('link', { name: link, exact: true }).click();
    await expect(page).toHaveURL(url);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    await expect(nav.getByRole('link', { name: link, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
  }

  await openAccountMenu(page);
  await accountNav(page).getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your account');
  // The menu closed on the way (natively without JavaScript: a new page),
  // and the sidebar's Account link is the current page.
  await expect(accountNav(page).locator('details')).toHaveJSProperty('open', false);
  await expect(nav.locator('a[href="/account"]')).toHaveAttribute('aria-current', 'page');
  await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);

  await signOut(page);
  await expect(page).toHaveURL(/\/$/);
  await expect(nav.getByRole('link', { name: 'How it works' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('the dashboard always links to keys, usage and billing', async ({ page }) => {
  await register(page, 'Short Cuts');
  const shortcuts = page.getByRole('navigation', { name: 'Your workspace' });
  for (const [name, href] of [['API keys', '/keys'], ['Usage', '/usage'], ['Billing', '/billing']]) {
    await expect(shortcuts.getByRole('link', { name })).toHaveAttribute('href', href);
  }
});

test('after creating a key and visiting another page, the navigation leads back to the key', async ({ page }) => {
  await subscribedUser(page, 'Round Trip');
  await page.goto('/keys');
  const key = await createKey(page, 'notebook');

  await mainNav(page).getByRole('link', { name: 'Usage' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Usage');
  await mainNav(page).getByRole('link', { name: 'API keys' }).click();
  await expect(page).toHaveURL(/\/keys$/);
  const row = keyRow(page, 'notebook');
  await expect(row).toContainText(`tp_live_sk_${key.slice(11, 15)}…${key.slice(-4)}`);
  // Shown once: the secret itself is gone.
  await expect(page.locator('.key-reveal')).toHaveCount(0);
  await expect(page.getByRole('main')).not.toContainText(key);
});

test('the account page shows the stored name, and a new one everywhere once saved', async ({ page }) => {
  await register(page, 'Marie Curie');
  await page.goto('/account');
  const name = page.getByLabel('Display name');
  await expect(name).toHaveValue('Marie Curie');
  await name.fill('Marie Skłodowska-Curie');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('status')).toHaveText('Your name is saved.');
  await expect(page.getByLabel('Display name')).toHaveValue('Marie Skłodowska-Curie');
  await expect(accountNav(page).locator('summary')).toContainText('Marie Skłodowska-Curie');
  await page.reload();
  await expect(page.getByLabel('Display name')).toHaveValue('Marie Skłodowska-Curie');
});

test('the navigation fits a 360 px screen and passes axe with its menu open', async ({ page, javaScriptEnabled }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await register(page, 'Narrow Screen With A Long Name');
  const nav = mainNav(page);
  for (const { link } of PAGES) {
    await expect(nav.getByRole('link', { name: link, exact: true })).toBeInViewport();
  }
  await openAccountMenu(page);
  await expect(accountNav(page).getByRole('link', { name: 'Account' })).toBeInViewport({ ratio: 1 });
  await expect(accountNav(page).getByRole('button', { name: 'Sign out' })).toBeInViewport({ ratio: 1 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  if (javaScriptEnabled) {
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await accessibilityViolations(page)).toEqual([]);
  }
});

test('every console page fits a 390 px screen without sideways scrolling (screenshots at 390 and 1280 px, both schemes)', async ({ page, javaScriptEnabled }, testInfo) => {
  test.skip(!javaScriptEnabled, 'once is enough: the layout is the same without scripts');
  test.setTimeout(90_000);
  await subscribedUser(page, 'Console At Every Width');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of ['/dashboard', '/keys', '/usage', '/billing', '/account']) {
        await page.goto(path);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${path} at ${width} px`).toBeLessThanOrEqual(0);
        // Kept with the test's output, for a person to look at.
        await page.screenshot({ path: testInfo.outputPath(`${path.slice(1)}-${width}-${colorScheme}.png`), fullPage: true });
      }
    }
  }
});
