import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { subscriberKey } from './support';

// schemathesis generates requests from /v1/openapi.json (valid, and
// invalid on purpose) and checks every answer against the document: its
// status, content type, headers and body schema, and that nothing is a
// 500. Run with two users' keys: one with every permission, one read-only
// (which walks the 403 paths).

function fuzz(key: string, maxSeconds: number) {
  const st = process.env.SCHEMATHESIS;
  if (!st) throw new Error('SCHEMATHESIS is not set: scripts/test installs it and sets it');
  const baseURL = test.info().project.use.baseURL!;
  const run = spawnSync(
    st,
    [
      '--config-file', path.join(__dirname, '..', 'schemathesis.toml'),
      'run', `${baseURL}/v1/openapi.json`,
      '--header', `X-API-Key: ${key}`,
      '--checks', 'all',
      '--workers', '2',
      '--max-time', String(maxSeconds),
      '--seed', '1',
      '--request-timeout', '5',
      '--no-color',
    ],
    { encoding: 'utf8', timeout: (maxSeconds + 60) * 1000, env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } },
  );
  console.log(run.stdout, run.stderr);
  return run;
}

test('the fuzzer finds no answer that breaks the API document', async ({ browser, request }) => {
  const full = await subscriberKey(await browser.newPage(), 'Fuzz Full');
  const other = await subscriberKey(await browser.newPage(), 'Fuzz Reader');
  const readOnly = await request.post('/v1/api-keys', {
    headers: { 'X-API-Key': other },
    data: { name: 'read only', permissions: 'read_only' },
  });
  expect(readOnly.status()).toBe(201);
  const reader = (await readOnly.json()).key;

  for (const [key, seconds] of [[full, 75], [reader, 45]] as const) {
    const run = fuzz(key, seconds);
    expect(run.error, 'schemathesis ran').toBeUndefined();
    expect(run.status, 'schemathesis found no failure').toBe(0);
  }
});
