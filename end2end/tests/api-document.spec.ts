import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_TOKEN } from '../playwright.api.config';

// Both API documents as this server serves them, through the linters a
// developer would run on them first: Spectral's OpenAPI rules and
// Redocly's recommended ones. Zero errors and zero warnings.

const lintDir = path.join(__dirname, '..', 'api-lint');
const bin = (tool: string) => path.join(__dirname, '..', 'node_modules', '.bin', tool);

function lint(command: string, args: string[]) {
  const run = spawnSync(bin(command), args, {
    cwd: lintDir,
    encoding: 'utf8',
    timeout: 60_000,
    // Neither phones home from CI.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
  });
  console.log(run.stdout, run.stderr);
  return run;
}

for (const [name, url, headers] of [
  ['/v1', '/v1/openapi.json', {}],
  ['/internal/v1', '/internal/v1/openapi.json', { Authorization: `Bearer ${SERVICE_TOKEN}` }],
] as const) {
  test(`the ${name} document passes Spectral and Redocly without a warning`, async ({ request }) => {
    const response = await request.get(url, { headers });
    expect(response.status()).toBe(200);
    const file = test.info().outputPath('openapi.json');
    fs.writeFileSync(file, await response.body());

    const spectral = lint('spectral', ['lint', '--ruleset', path.join(lintDir, '.spectral.yaml'), '--fail-severity', 'warn', file]);
    expect(spectral.status, 'Spectral: no errors or warnings').toBe(0);
    expect(spectral.stdout).toContain('No results with a severity of \'warn\' or higher found!');

    // Its totals as JSON: its banners (Node 20's end of life) say "warning" too.
    const redocly = lint('redocly', ['lint', '--config', path.join(lintDir, 'redocly.yaml'), '--format', 'json', file]);
    expect(redocly.status, 'Redocly: no errors').toBe(0);
    const { totals, problems } = JSON.parse(redocly.stdout);
    expect(problems, 'Redocly: no problems').toEqual([]);
    expect(totals).toMatchObject({ errors: 0, warnings: 0 });
  });
}
