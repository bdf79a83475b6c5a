import { join } from 'node:path';
import { writeFileSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliRun, ROOT, tempDir } from './support/cli.js';

/** Going live has a worked example: mainnet configs with sources sections that validate-config accepts. */

describe('example live configs', () => {
  for (const [file, section] of [['config/examples/eth-restaking-live.yaml', 'http, evm'], ['config/examples/sol-staking-live.yaml', 'solana']] as const) {
    it(`${file} is valid, live, with placeholder RPC URLs and its ${section} readers checked`, async () => {
      const r = await cliRun(['validate-config', join(ROOT, file)]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/: valid \(vault [\w-]+-live/);
      expect(r.stdout).toMatch(new RegExp(`sources: ${section} \\(checked`));
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text).toMatch(/^feed: live$/m);
      expect(text).toMatch(/rpcUrl: https:\/\/[a-z-]+\.invalid\/REPLACE-WITH-YOUR-KEY/);
    });
  }

  it('a broken reader section in an example is refused with its path (the sections readers parse themselves too)', async () => {
    const dir = tempDir('ex-');
    const bad = join(dir, 'sol.yaml');
    writeFileSync(
      bad,
      readFileSync(join(ROOT, 'config/examples/sol-staking-live.yaml'), 'utf8')
        .replace(/\.\.\/assets\//, `${join(ROOT, 'config/assets')}/`)
        .replace('pool: Jito4APyf642JPZPx3hGc6WWJ8zPKtRbRs4P815Awbb', 'pool: not-a-pubkey'),
    );
    const r = await cliRun(['validate-config', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/sources\.solana\.assets\.JitoSOL\.pool: got "not-a-pubkey"/);
  });
});
