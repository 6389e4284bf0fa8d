import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration suites start servers on loopback; two workers match the 2-core machines CI runs on.
    pool: 'forks',
    maxWorkers: 2,
  },
});
