import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { subscriberKey } from './support';

// Every example on the docs pages, run as a reader would run it: copied
// from the rendered page into a file and started with only
// TRACEPIPE_API_KEY set. curl examples run under `bash -e -o pipefail`, so
// a failing call anywhere in one fails it; Python ones with `requests`,
// JavaScript ones as plain .js files on Node.

const RUNNERS: Record<string, { file: string; command: (file: string) => string[] }> = {
  curl: { file: 'example.sh', command: (file) => ['bash', '-e', '-o', 'pipefail', file] },
  python: { file: 'example.py', command: (file) => [pythonWithRequests(), file] },
  javascript: { file: 'example.js', command: (file) => [process.execPath, file] },
};

function pythonWithRequests(): string {
  const python = process.env.API_CLIENTS_PYTHON;
  if (!python) throw new Error('API_CLIENTS_PYTHON is not set: scripts/test installs it and sets it');
  return python;
}

test('every example on the docs pages runs as written against this server', async ({ browser, page }) => {
  test.setTimeout(180_000);
  const key = await subscriberKey(await browser.newPage(), 'Examples Reader');
  const examples: { page: string; language: string; code: string }[] = [];
  for (const docs of ['/docs/quickstart', '/docs/api']) {
    await page.goto(docs);
    for (const code of await page.locator('code[data-example]').all()) {
      examples.push({
        page: docs,
        language: (await code.getAttribute('data-example'))!,
        code: (await code.textContent())!,
      });
    }
  }
  const failures: string[] = [];
  for (const [index, example] of examples.entries()) {
    const runner = RUNNERS[example.language];
    expect(runner, `a runner for ${example.language}`).toBeDefined();
    const dir = test.info().outputPath(`example-${index}`);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, runner.file);
    fs.writeFileSync(file, example.code);
    const [command, ...args] = runner.command(file);
    const run = spawnSync(command, args, {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
      // Only what a reader's shell has, and the key.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TRACEPIPE_API_KEY: key },
    });
    const name = `${example.page} #${index} (${example.language})`;
    if (run.status !== 0 || run.stdout.trim() === '') {
      failures.push(`${name} exited ${run.status}:\n${example.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
    }
  }
  console.log(`ran ${examples.length} examples from the docs pages, ${failures.length} failed`);
  expect(failures, failures.join('\n\n')).toEqual([]);
  // The quickstart's three, and each of the reference's operations in three languages.
  expect(examples.length).toBeGreaterThanOrEqual(3 + 8 * 3);
});
