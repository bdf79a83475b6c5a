import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair } from '@solana/web3.js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { executorFor, executorKind } from '../src/chains/executor-factory.js';
import { SolPolicyError } from '../src/chains/solana/policy/sol-policy-schema.js';
import { loadSolanaKey } from '../src/chains/solana/sol-key-source.js';
import { loadSolanaExecutionSetup } from '../src/chains/solana/solana-executor-setup.js';
import { loadVault } from '../src/config/load-vault.js';
import { KeeperError } from '../src/errors.js';
import { openJournal } from '../src/journal/open-journal.js';
import { thrown } from './support/thrown.js';

const VAULT_FILE = new URL('../config/vaults/sol-staking.yaml', import.meta.url).pathname;

describe('Solana executor setup', () => {
  it('the shipped sol-staking vault has an execution.solana section in dry-run, and its placeholder vault is refused', () => {
    const v = loadVault(VAULT_FILE);
    expect(v.config.execution?.solana?.mode).toBe('dry-run');
    expect(Object.keys(v.config.execution?.solana?.assets ?? {})).toEqual(['JitoSOL', 'bSOL', 'jupSOL', 'mSOL', 'kamino-SOL']);
    expect(thrown(SolPolicyError, () => loadSolanaExecutionSetup(v)).message).toMatch(/placeholder/);
    const { sol, policy } = loadSolanaExecutionSetup(v, { allowPlaceholder: true });
    expect(policy.vault).toBe(sol.vault);
  });

  it('--executor solana is a kind of the factory; --live needs a chain executor; a dry-run executor is made without a key', async () => {
    expect(executorKind({ executor: 'solana' })).toBe('solana');
    expect(executorKind({ executor: 'solana', live: true })).toBe('solana');
    expect(() => executorKind({ executor: 'paper', live: true })).toThrow(/--live only applies/);
    const v = loadVault(VAULT_FILE);
    const dir = mkdtempSync(join(tmpdir(), 'sol-setup-'));
    const j = openJournal(join(dir, 'j.sqlite'));
    try {
      // The placeholder is refused even for dry-run: a policy must name the real vault.
      await expect(executorFor('solana', v, j, { live: false, log: pino({ level: 'silent' }) }, 'paper')).rejects.toThrow(/placeholder/);
      // And live needs the config's mode as well as the flag.
      const e = await executorFor('solana', v, j, { live: true, log: pino({ level: 'silent' }) }, 'paper').then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(KeeperError);
      expect((e as Error).message).toMatch(/placeholder|dry-run: set mode: live/);
    } finally {
      j.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a key comes from a named environment variable in solana-keygen format, and is never in an error message', () => {
    const k = Keypair.generate();
    const env = { SOL_KEY: JSON.stringify([...k.secretKey]) };
    expect(loadSolanaKey({ env: 'SOL_KEY' }, { env }).keypair.publicKey.equals(k.publicKey)).toBe(true);
    const bad = { SOL_KEY: JSON.stringify([...k.secretKey].slice(0, 63)) };
    const e = thrown(KeeperError, () => loadSolanaKey({ env: 'SOL_KEY' }, { env: bad }));
    expect(e.message).toMatch(/not a JSON array of 64 bytes/);
    expect(e.message).not.toContain(String(k.secretKey[0]) + ',' + String(k.secretKey[1]));
    expect(thrown(KeeperError, () => loadSolanaKey({ env: 'MISSING' }, { env: {} })).message).toMatch(/MISSING is not set/);
  });
});
