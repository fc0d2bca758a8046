import { expect, test } from '@playwright/test';
import { accessibilityViolations, keyRow, openKeyMenu, subscribedUser } from './support';

// Runs with and without JavaScript: every form of the keys page works either way.

test('a read-only key expiring in 7 days: reads work, changes are refused, a roll keeps the old secret for its grace period', async ({ page, request, javaScriptEnabled }) => {
  await subscribedUser(page, 'Key Roller');
  await page.goto('/keys');
  await page.getByLabel('Key name').fill('notebook');
  await page.getByLabel(/^Read only/).check();
  await page.getByLabel('Expires').selectOption('7');
  await page.getByRole('button', { name: 'Create API key' }).click();
  const reveal = page.locator('.key-reveal');
  await expect(reveal).toContainText('it will not be shown again');
  const oldKey = (await reveal.locator('.key-value code').textContent())!.trim();
  expect(oldKey).toMatch(/^tp_live_sk_[0-9A-Za-z]{36}$/);

  const call = (key: string, method: 'GET' | 'POST', path: string) =>
    request.fetch(path, { method, headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, data: method === 'POST' ? '{}' : undefined });
  expect((await call(oldKey, 'GET', '/v1/api-keys')).status()).toBe(200);
  const refused = await call(oldKey, 'POST', '/v1/api-keys');
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.details).toEqual({ reason: 'missing_permission', permission: 'api_keys:write' });

  // The key's row says what it may do and when it stops; its details, the rest.
  await page.goto('/keys');
  const row = keyRow(page, 'notebook');
  await expect(row).toContainText('Read only');
  await expect(row).toContainText('Expires soon');
  await row.getByRole('link', { name: 'notebook', exact: true }).click();
  const details = page.locator('.key-detail');
  await expect(details).toContainText(/In 7 days/);
  await expect(details).toContainText('100 reads and 10 changes a minute');
  if (javaScriptEnabled) expect(await accessibilityViolations(page)).toEqual([]);

  // Roll with a one-hour grace period: both secrets work.
  await openKeyMenu(page, 'notebook');
  await row.getByRole('link', { name: 'Roll secret…' }).click();
  const roll = page.getByRole('region', { name: 'Roll notebook' });
  await roll.getByLabel('Keep the old secret working for').selectOption('3600');
  await roll.getByRole('button', { name: 'Roll key' }).click();
  await expect(reveal).toContainText('The new secret of “notebook”');
  await expect(reveal).toContainText('keeps working until');
  const newKey = (await reveal.locator('.key-value code').textContent())!.trim();
  expect(newKey).not.toBe(oldKey);
  for (const key of [oldKey, newKey]) expect((await call(key, 'GET', '/v1/users/me')).status()).toBe(200);

  // The roll panel closed: a second click cannot roll again.
  await expect(roll).toHaveCount(0);
  await page.goto('/keys');
  await expect(row).toContainText('Old secret working');
  await openKeyMenu(page, 'notebook');
  await row.getByRole('button', { name: 'Expire old secret now' }).click();
  await expect(page.getByRole('status')).toHaveText('The old secret of “notebook” has stopped working. Only the new one works now.');
  await expect(row).not.toContainText('Old secret working');
  const old = await call(oldKey, 'GET', '/v1/users/me');
  expect(old.status()).toBe(401);
  expect((await call(newKey, 'GET', '/v1/users/me')).status()).toBe(200);

  // Disabled, it answers 401 "disabled" until enabled again.
  await openKeyMenu(page, 'notebook');
  await page.getByRole('button', { name: 'Disable notebook' }).click();
  await expect(page.getByRole('status')).toContainText('“notebook” is disabled');
  await expect(row).toContainText('Disabled');
  const paused = await call(newKey, 'GET', '/v1/users/me');
  expect(paused.status()).toBe(401);
  expect((await paused.json()).error.details.reason).toBe('disabled');
  await openKeyMenu(page, 'notebook');
  await page.getByRole('button', { name: 'Enable notebook' }).click();
  await expect(page.getByRole('status')).toHaveText('“notebook” is enabled again.');
  expect((await call(newKey, 'GET', '/v1/users/me')).status()).toBe(200);
});

test('a wrong network range is named next to its field and creates nothing', async ({ page }) => {
  await subscribedUser(page, 'Range Typo');
  await page.goto('/keys');
  await page.getByLabel('Key name').fill('cluster');
  await page.getByLabel(/^Allowed IPs/).fill('10.0.0.0/8\n10.0.0.300/8');
  await page.getByRole('button', { name: 'Create API key' }).click();
  await expect(page.getByText('“10.0.0.300/8” is not an IPv4 or IPv6 range')).toBeVisible();
  await expect(page.locator('.key-reveal')).toHaveCount(0);
  await expect(page.getByText('No keys yet.')).toBeVisible();
});
