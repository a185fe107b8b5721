import { configDefaults, defineConfig } from 'vitest/config';

/** Files that drive Chromium (WebRTC with fake cameras included): one at a time, or they starve each other. */
const BROWSER = ['test/e2e/**/*.test.ts', 'test/doctor/console.browser.test.ts', 'test/renderer/call/browser.test.ts', 'test/renderer/call/kiosk-call.test.ts', 'test/main/launch/tether.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests open real pseudo-terminals: keep them from starving each other on 2 cores.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...BROWSER] } },
      { extends: true, test: { name: 'browser', include: BROWSER, fileParallelism: false } },
    ],
  },
});
