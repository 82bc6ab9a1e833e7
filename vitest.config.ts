import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'api-client/**/*.test.ts',
      'shared/**/*.test.ts',
      'functions/**/*.test.ts',
      'batch-jobs/**/*.test.ts',
      'cli/**/*.test.ts',
      'local/**/*.test.ts',
      'infra/**/*.test.ts',
    ],
    // Real dynalite/s3rver servers and sandboxed Python make some tests slower than unit tests.
    testTimeout: 60_000,
    // A hook that starts the whole local platform (synth, demo seeding) takes ~35 s on 2 idle cores
    // and over 60 s on a loaded machine: it is set-up, not the behaviour under test.
    hookTimeout: 180_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
