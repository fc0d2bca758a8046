import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STATIC_PAGES, subscriberKey } from './support';

// Every page is valid HTML by the Nu HTML Checker (vnu-jar, which
// scripts/bootstrap installs), as served: attributes and hydration markers
// the framework emits included. One run of the checker over the pages saved
// to a folder.

const PUBLIC_PAGES = [...STATIC_PAGES, '/missing-page'];

/** The Nu checker's errors on `pages` as `fetch` gets them (one run over a folder), as "page: message extract" lines. */
async function nuProblems(pages: string[], fetch: (page: string) => Promise<string>): Promise<string[]> {
  const jar = process.env.VNU_JAR;
  expect(jar, 'VNU_JAR names the checker (scripts/test sets it)').toBeTruthy();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tracepipe-vnu-'));
  const files = new Map<string, string>();
  for (const page of pages) {
    const file = path.join(folder, `${page.replace(/\W+/g, '_') || 'root'}.html`);
    fs.writeFileSync(file, await fetch(page));
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
  fs.rmSync(folder, { recursive: true, force: true });
  return messages.map(
    (message) => `${files.get(path.basename(message.url))}: ${message.message} ${message.extract ?? ''}`,
  );
}

test('every public page passes the Nu HTML Checker', async ({ request }) => {
  test.setTimeout(120_000);
  expect(await nuProblems(PUBLIC_PAGES, async (page) => (await request.get(page)).text())).toEqual([]);
});

test('every console page passes the Nu HTML Checker, as a signed-in subscriber gets it', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'the server sends the same HTML either way');
  test.setTimeout(120_000);
  await subscriberKey(page, 'Valid Markup');
  const consolePages = [
    '/dashboard',
    '/keys',
    '/keys?status=active&sort=name',
    '/usage',
    '/usage?period=7d',
    '/account',
    '/account/two-factor',
    '/billing',
  ];
  const fetch = async (path: string) => {
    const response = await page.request.get(path);
    expect(response.status(), path).toBe(200);
    return response.text();
  };
  expect(await nuProblems(consolePages, fetch)).toEqual([]);
});
