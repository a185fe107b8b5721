import { configDefaults, defineConfig } from 'vitest/config';

/** Files that drive Chromium (WebRTC with fake cameras included): one at a time, or they starve each other. */
const BROWSER = ['test/e2e/**/*.test.ts', 'test/doctor/console.browser.test.ts', 'test/renderer/call/browser.test.ts', 'test/renderer/call/kiosk-call.test.ts', 'test/main/launch/tether.test.ts'];
/**
 * Browser files with one page and no call (no peer connection, no fake camera, no hub and console beside the kiosk):
 * they run beside the node files, two files at a time like them, and not in the browser files' queue, which runs
 * alone after everything else (a run's longest phase: ~14 of its ~25 minutes on a 2-core machine). Their waits are
 * for what the page shows, not for a time to pass.
 */
const BROWSER_LIGHT = [
  'test/e2e/kiosk.test.ts',
  'test/e2e/kiosk-rtl.test.ts',
  'test/e2e/kiosk-banners.test.ts',
  'test/e2e/voice.test.ts',
  'test/e2e/ble-panel.test.ts',
  'test/e2e/identity-panel.test.ts',
  'test/e2e/patient-card.test.ts',
];

/**
 * Hub tests that stay on SQLite in the `hub-pg` project: the file's damage and privacy, schema steps of older files,
 * the CLI driven with a database file, and the files that hold no store.
 */
const HUB_SQLITE_ONLY = [
  'test/hub/store-damage.test.ts',
  'test/hub/db-engines.test.ts', // runs both engines itself
  'test/hub/group-commit.test.ts', // SQLite's group commit (PostgreSQL groups its commits itself)
  'test/hub/language.test.ts', // a file from before Arabic, brought up by the legacy steps
  'test/hub/cli*.test.ts', // the CLI by file (cli-migrate runs both engines itself)
  'test/hub/cluster*.test.ts', // PostgreSQL and Redis of their own
  // No store in them (pure builders, fakes of the hub): the engine cannot change their result.
  'test/hub/backlog.test.ts',
  'test/hub/broadcast.test.ts',
  'test/hub/fhir-devices.test.ts',
  'test/hub/fhir-export.test.ts',
  'test/hub/fhir-pleth-marks.test.ts',
  'test/hub/limits-throttle.test.ts',
  'test/hub/live-consultations.test.ts',
  'test/hub/picture-limit.test.ts',
  'test/hub/report-pdf*.test.ts',
  'test/main/hub/call-machine.test.ts',
  'test/main/hub/patient-delivery.test.ts',
  'test/main/hub/reconnect.test.ts',
  'test/main/hub/report-delivery.test.ts',
  'test/main/hub/visit-devices.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests open real pseudo-terminals: keep them from starving each other on 2 cores.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...BROWSER] } },
      // The kiosk and the console are built once for the run's browser files (test/helpers/apps.ts), not once per file.
      { extends: true, test: { name: 'browser', include: BROWSER, exclude: [...configDefaults.exclude, ...BROWSER_LIGHT], fileParallelism: false, globalSetup: ['test/helpers/browser-setup.ts'] } },
      { extends: true, test: { name: 'browser-light', include: BROWSER_LIGHT, globalSetup: ['test/helpers/browser-setup.ts'] } },
      // The hub's suite again with PostgreSQL under the store (issue 14: one set of queries, both engines), on one
      // throwaway cluster; each test's hub gets a database of its own (test/helpers/hub-db.ts). Left out: what is about
      // a SQLite file itself (damage, legacy schema steps, its CLI by file) or touches no database.
      {
        extends: true,
        test: {
          name: 'hub-pg',
          include: ['test/hub/**/*.test.ts', 'test/main/hub/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...HUB_SQLITE_ONLY],
          globalSetup: ['test/helpers/hub-pg-setup.ts'],
        },
      },
    ],
  },
});
