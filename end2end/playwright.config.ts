import { defineConfig } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The storefront under test: the release binary scripts/test built, on its
// own port, with a throw-away data folder (fresh SQLite database).
const port = Number(process.env.E2E_PORT ?? '8091');
export const baseURL = `http://127.0.0.1:${port}`;
export const SANDBOX_KEY = 'proj_e2eSandboxKeyThatMustNeverLeak0123456789ab';
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'tracepipe-e2e-'));
const passkeyPort = port + 1;
export const passkeyURL = `http://localhost:${passkeyPort}`;
const repoRoot = path.resolve(__dirname, '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target');

export default defineConfig({
  testDir: './tests',
  // Need their own servers: playwright.multi.config.ts (two instances on
  // PostgreSQL) and playwright.api.config.ts (raised API limits) run them.
  testIgnore: /(multi-instance|api-[a-z]+)\.spec\.ts/,
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Without the networking flags Chromium floods this closed network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'chromium', use: { javaScriptEnabled: true } },
    {
      name: 'chromium-no-js',
      use: { javaScriptEnabled: false },
      // Only pages are worth seeing without scripts; raw HTTP checks run once.
      testMatch: /\/(pages|accounts|billing|keys|journey|navigation|recovery|addresses|sessions|two-factor|passkeys|key-lifecycle)\.spec\.ts/,
    },
  ],
  webServer: [
    storefront(port, baseURL, process.env.E2E_DATA_DIR),
    // Passkeys need a domain name (WebAuthn refuses IP addresses): the same
    // build again, reached as localhost, with its own database.
    storefront(passkeyPort, passkeyURL, path.join(process.env.E2E_DATA_DIR, 'passkeys')),
  ],
});

/** The release server on `listenPort`, reached at `publicUrl`. */
export function storefront(listenPort: number, publicUrl: string, dataDir: string) {
  return {
    command: process.env.STOREFRONT_BIN ?? path.join(targetDir, 'release', 'server'),
    cwd: repoRoot,
    url: `http://127.0.0.1:${listenPort}/readyz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      LISTEN_ADDR: `127.0.0.1:${listenPort}`,
      PUBLIC_URL: publicUrl,
      DATA_DIR: dataDir,
      LEPTOS_ENV: 'PROD',
      LEPTOS_OUTPUT_NAME: 'tracepipe-storefront',
      LEPTOS_SITE_ROOT: path.join(repoRoot, 'target', 'site'),
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_HASH_FILES: 'true',
      RUST_LOG: 'warn',
      // The sandbox's key: tests check it never reaches a page or the bundle.
      PAYMENT_SERVICE_API_KEY: SANDBOX_KEY,
      // Every test browser posts from 127.0.0.1: the per-client write limit
      // would count the whole suite as one visitor (Rust tests cover it).
      CLIENT_WRITES_PER_MINUTE: '100000',
      // Likewise its wrong passwords (tests of refusals) would add up to the
      // per-client allowance and slow a later test's right one (Rust tests
      // cover that limit).
      SIGN_IN_FAILURES_PER_CLIENT: '100000',
    },
  };
}
