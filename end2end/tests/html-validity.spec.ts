import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STATIC_PAGES } from './support';

// Every public page is valid HTML by the Nu HTML Checker (vnu-jar, which
// scripts/bootstrap installs), as served: attributes the framework emits
// included. One run of the checker over all pages saved to a folder.

const PUBLIC_PAGES = [...STATIC_PAGES, '/missing-page'];

test('every public page passes the Nu HTML Checker', async ({ request }) => {
  test.setTimeout(120_000);
  const jar = process.env.VNU_JAR;
  expect(jar, 'VNU_JAR names the checker (scripts/test sets it)').toBeTruthy();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tracepipe-vnu-'));
  const files = new Map<string, string>();
  for (const page of PUBLIC_PAGES) {
    const response = await request.get(page);
    const file = path.join(folder, `${page.replace(/\W+/g, '_') || 'root'}.html`);
    fs.writeFileSync(file, await response.text());
    files.set(path.basename(file), page);
  }
  let report = '';
  try {
    execFileSync('java', ['-jar', jar!, '--errors-only', '--format', 'json', folder], { stdio: 'pipe' });
  } catch (failed) {
    report = String((failed as { stderr: Buffer }).stderr);
  }
  const messages = report
    ? (JSON.parse(report).messages as { url: string; message: string; extract?: string }[])
    : [];
  const problems = messages.map(
    (message) => `${files.get(path.basename(message.url))}: ${message.message} ${message.extract ?? ''}`,
  );
  fs.rmSync(folder, { recursive: true, force: true });
  expect(problems).toEqual([]);
});
