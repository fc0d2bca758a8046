import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The journey across two instances sharing PostgreSQL. Run through
// scripts/two-instances, which starts them and sets INSTANCE_A_URL and
// INSTANCE_B_URL:
//   scripts/two-instances npx --prefix end2end playwright test -c end2end/playwright.multi.config.ts
if (!process.env.INSTANCE_A_URL || !process.env.INSTANCE_B_URL) {
  throw new Error('INSTANCE_A_URL and INSTANCE_B_URL are not set: run this through scripts/two-instances');
}

export default defineConfig({
  ...base,
  testIgnore: undefined,
  testMatch: /multi-instance\.spec\.ts/,
  webServer: undefined,
  use: { ...base.use, baseURL: process.env.INSTANCE_A_URL },
  projects: [{ name: 'chromium-two-instances', use: { javaScriptEnabled: true } }],
});
