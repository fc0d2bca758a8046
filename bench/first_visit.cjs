// What a first visit to each page transfers: every file a real browser
// (Debian Chromium, empty cache) fetches while opening the page until the
// network is idle, each then fetched again as served with a browser's
// `Accept-Encoding: br, gzip` to count its bytes on the wire (body only).
// Signed-in pages (marked with a leading "@") are opened after registering
// through the sign-up form's endpoint, as a new customer's first visit.
// Usage: node bench/first_visit.cjs BASE_URL PATH... (run by bench/bytes.sh)
// Prints one line per page: "path total_bytes js_wasm_bytes html css js wasm other".
'use strict';
const http = require('node:http');
const path = require('node:path');
const { chromium } = require(require.resolve('@playwright/test', {
  paths: [path.join(__dirname, '..', 'end2end')],
}));

const [base, ...pages] = process.argv.slice(2);

function servedBytes(url, cookie) {
  return new Promise((resolve, reject) => {
    const headers = { 'Accept-Encoding': 'br, gzip', Accept: '*/*' };
    if (cookie) headers.Cookie = cookie;
    http.get(url, { headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => { bytes += chunk.length; });
      response.on('end', () => resolve({ bytes, type: response.headers['content-type'] ?? '' }));
    }).on('error', reject);
  });
}

function kind(url, type) {
  if (type.includes('text/html')) return 'html';
  if (type.includes('css')) return 'css';
  if (type.includes('wasm') || url.endsWith('.wasm')) return 'wasm';
  if (type.includes('javascript')) return 'js';
  return 'other';
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let accounts = 0;
  for (const entry of pages) {
    const signedIn = entry.startsWith('@');
    const page_path = signedIn ? entry.slice(1) : entry;
    const context = await browser.newContext();
    if (signedIn) {
      accounts += 1;
      const response = await context.request.post(`${base}/api/register`, {
        form: { email: `first-visit-${Date.now()}-${accounts}@example.com`,
          password: 'correct horse battery staple', display_name: 'First Visit', next: '' },
        headers: { Origin: base }, maxRedirects: 0,
      });
      if (response.status() >= 400) throw new Error(`registering failed: ${response.status()}`);
    }
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const page = await context.newPage();
    const urls = [];
    page.on('requestfinished', (request) => urls.push(request.url()));
    const response = await page.goto(`${base}${page_path}`, { waitUntil: 'networkidle' });
    if (response.url() !== `${base}${page_path}`) throw new Error(`${page_path} went to ${response.url()}`);
    const totals = { html: 0, css: 0, js: 0, wasm: 0, other: 0 };
    for (const url of new Set(urls)) {
      const { bytes, type } = await servedBytes(url, cookie);
      totals[kind(url, type)] += bytes;
    }
    const total = Object.values(totals).reduce((a, b) => a + b, 0);
    console.log([entry, total, totals.js + totals.wasm, totals.html, totals.css, totals.js,
      totals.wasm, totals.other].join(' '));
    await context.close();
  }
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
