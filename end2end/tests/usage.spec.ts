import { expect, test } from '@playwright/test';
import { accessibilityViolations, subscriberKey } from './support';

// /usage against the plan. Runs with and without JavaScript: the period
// choice is a link, the chart's numbers are in the page.

test('usage shows the plan\'s allowances, failed calls apart, and one period for cards and chart', async ({ page, request, javaScriptEnabled }) => {
  const key = await subscriberKey(page, 'Usage Reader');
  const call = (method: 'GET' | 'POST', path: string, data?: string) =>
    request.fetch(path, { method, headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, data });
  for (let i = 0; i < 2; i++) expect((await call('GET', '/v1/users/me')).status()).toBe(200);
  // Ten changes a minute: ten bad bodies are refused (422), the eleventh is rate-limited (429).
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await call('POST', '/v1/api-keys', '{"name": 7}')).status());
  expect(statuses.filter((status) => status === 422)).toHaveLength(10);
  expect(statuses.at(-1)).toBe(429);

  await page.goto('/usage');
  // The billing period is the subscription's: the plan's allowances, and when they start again.
  const allowances = page.getByRole('region', { name: 'Starter plan: this billing period' });
  await expect(allowances).toContainText('Allowances start again on');
  await expect(allowances.getByRole('meter', { name: 'API requests' })).toHaveAttribute('aria-valuetext', /^12 of 50,000 \(0%\)$/);
  await expect(allowances.getByRole('meter', { name: 'Recorded sessions' })).toHaveAttribute('aria-valuetext', '0 of 100 (0%)');
  await expect(page.getByTestId('usage-requests')).toHaveText('12');
  await expect(page.getByTestId('usage-failed')).toHaveText('11');
  await expect(page.getByRole('main')).toContainText('10 client errors (4xx) · 1 rate-limited (429) · 0 server errors (5xx)');
  await expect(page.getByRole('main')).toContainText('Estimated cost');
  await expect(page.getByRole('main')).toContainText('at list prices');
  await expect(page.getByTestId('usage-by-key').getByRole('row', { name: /Usage Reader key/ })).toContainText(/12\s*11/);

  // One choice of period for the cards, the chart and the table.
  const periods = page.getByRole('navigation', { name: 'Period shown' });
  await expect(periods.getByRole('link', { name: 'Billing period' })).toHaveAttribute('aria-current', 'true');
  await periods.getByRole('link', { name: 'Last 7 days' }).click();
  await expect(page).toHaveURL(/\/usage\?period=7d$/);
  await expect(page.getByTestId('usage-window')).toContainText('Last 7 days:');
  const chart = page.getByRole('figure', { name: 'API requests per day, last 7 days' });
  await expect(chart.locator('.chart-day')).toHaveCount(7);
  await expect(chart).toContainText('12 API requests');
  await expect(chart).toContainText('11 failed.');
  await expect(page.getByTestId('usage-requests')).toHaveText('12');

  // Today's numbers on hover and keyboard focus.
  const today = chart.locator('.chart-day').last();
  await expect(today.locator('.chart-tip')).toHaveText(/: 12 requests; 11 failed$/);
  if (javaScriptEnabled) {
    await today.focus();
    const tip = await today.locator('.chart-tip').boundingBox();
    expect(tip!.width).toBeGreaterThan(40);
    await expect(today.locator('.chart-tip')).toBeInViewport();
    expect(await accessibilityViolations(page)).toEqual([]);
  }
});

for (const [width, check] of [
  [390, (size: number) => expect(size).toBeGreaterThanOrEqual(12)],
  [1280, (size: number) => expect(size).toBeLessThanOrEqual(16)],
] as const) {
  test(`at ${width} px the chart's labels are at reading size and nothing scrolls sideways`, async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'the layout is the same without scripts');
    await page.setViewportSize({ width, height: 800 });
    await subscriberKey(page, 'Chart Reader');
    await page.goto('/usage?period=30d');
    const chart = page.getByRole('figure', { name: 'API requests per day, last 30 days' });
    await expect(chart.locator('.chart-day')).toHaveCount(30);
    const sizes = await chart
      .locator('.chart-axis span, .chart-date:not(:empty), .chart-legend li')
      .evaluateAll((labels) => labels.map((label) => parseFloat(getComputedStyle(label).fontSize)));
    expect(sizes.length).toBeGreaterThan(5);
    for (const size of sizes) check(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
}
