import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Bundles the Solana test chain's server child (test/support/svm-server/) before any test file runs.
    globalSetup: ['test/support/svm-server-bundle.ts'],
    // Each test its own state directory (the vault index): test/support/isolated-state.ts.
    setupFiles: ['test/support/isolated-state.ts'],
    // solana-bankrun logs every instruction at debug level unless told otherwise; CI logs stay readable.
    env: { RUST_LOG: process.env.RUST_LOG ?? 'error' },
  },
});
