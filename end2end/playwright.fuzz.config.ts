import { defineConfig } from '@playwright/test';
import path from 'node:path';
import base, { storefront } from './playwright.config';

// The API fuzzer (schemathesis) against a served release build, on a server
// of its own whose per-key limits are raised: at the normal ones it would
// mostly see 429s. scripts/test runs it with SCHEMATHESIS set:
//   SCHEMATHESIS=…/bin/st npx playwright test -c playwright.fuzz.config.ts
const port = Number(process.env.E2E_FUZZ_PORT ?? '8095');
const fuzzURL = `http://127.0.0.1:${port}`;
const server = storefront(port, fuzzURL, path.join(process.env.E2E_DATA_DIR!, 'fuzz'));

export default defineConfig({
  ...base,
  testIgnore: undefined,
  testMatch: /api-fuzz\.spec\.ts/,
  // Two fuzzing runs of at most 75 s each, plus setting up their keys.
  timeout: 240_000,
  use: { ...base.use, baseURL: fuzzURL },
  projects: [{ name: 'schemathesis', use: { javaScriptEnabled: true } }],
  webServer: [
    {
      ...server,
      env: {
        ...server.env,
        API_READS_PER_MINUTE: '1000000',
        API_KEY_MANAGE_PER_MINUTE: '1000000',
      },
    },
  ],
});
