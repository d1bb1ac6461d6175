import { defineConfig } from 'vitest/config';

const setupFiles = ['tests/support/fail-on-console-error.ts'];

// One PostgreSQL for the run (tests/support/global-setup.ts, root level so it starts once);
// every integration and browser test file clones its own database from a migrated template.
export default defineConfig({
  test: {
    globalSetup: ['tests/support/global-setup.ts'],
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], setupFiles } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          setupFiles,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          setupFiles,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Chromium is heavy on a two-core machine: one browser test file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
