import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach } from 'vitest';

/**
 * Every test gets its own keeper state directory (the vault index, journal/vault-index.ts), so that no
 * test reads or writes the machine's ~/.local/state and no test's journals guard another's. The CLI
 * subprocesses inherit it through the environment.
 */
const isolate = () => {
  process.env.RESTAKE_KEEPER_STATE_DIR = mkdtempSync(join(tmpdir(), 'rk-state-'));
};
isolate(); // for a file's beforeAll
beforeEach(isolate);
