import { defineConfig } from '@playwright/test';
import path from 'node:path';
import base, { storefront } from './playwright.config';

// The API as developers meet it, from its documents, against a served
// release build on a server of its own whose per-key limits are raised (at
// the normal ones the fuzzer would mostly see 429s): linters on both
// documents, clients generated from /v1/openapi.json, every docs example,
// and the fuzzer (schemathesis). scripts/test runs them with the tools' paths:
//   SCHEMATHESIS=…/bin/st API_CLIENTS_PYTHON=…/bin/python \
//     npx playwright test -c playwright.api.config.ts
const port = Number(process.env.E2E_API_PORT ?? '8095');
const apiURL = `http://127.0.0.1:${port}`;
const server = storefront(port, apiURL, path.join(process.env.E2E_DATA_DIR!, 'api'));
/** Lets api-document.spec.ts read the internal document. */
export const SERVICE_TOKEN = 'e2e-internal-service-token-0123456789abcdef';

export default defineConfig({
  ...base,
  testIgnore: undefined,
  testMatch: /api-(fuzz|clients|examples|document)\.spec\.ts/,
  // Two fuzzing runs of at most 75 s each, plus setting up their keys (the
  // client tests take far less).
  timeout: 240_000,
  use: { ...base.use, baseURL: apiURL },
  projects: [{ name: 'api', use: { javaScriptEnabled: true } }],
  webServer: [
    {
      ...server,
      env: {
        ...server.env,
        API_READS_PER_MINUTE: '1000000',
        INTERNAL_SERVICE_TOKEN: SERVICE_TOKEN,
        API_KEY_MANAGE_PER_MINUTE: '1000000',
      },
    },
  ],
});
