import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PublicKey } from '@solana/web3.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The shipped sol-staking vault and its policy, written into `dir` for a test: the vault key and RPC
 * swapped for the test's, the journal in `dir`, every other path made absolute; `live` turns the
 * execution section's dry-run into live; `extra` is appended (e.g. a squads section). Returns the vault file.
 */
export function writeSolStakingConfig(dir: string, o: { vault: PublicKey; rpcUrl: string; journal: string; live?: boolean; extra?: string }): string {
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, readFileSync(join(ROOT, 'config/policies/sol-staking.policy.yaml'), 'utf8').replace('11111111111111111111111111111112', o.vault.toBase58()));
  let text = readFileSync(join(ROOT, 'config/vaults/sol-staking.yaml'), 'utf8')
    .replace('../assets/solana.yaml', join(ROOT, 'config/assets/solana.yaml'))
    .replace('../../history/solana.csv', join(ROOT, 'history/solana.csv'))
    .replace('../../var/sol-staking.sqlite', o.journal)
    .replace('../policies/sol-staking.policy.yaml', policy)
    .replace('http://127.0.0.1:8899', o.rpcUrl)
    .replace('"11111111111111111111111111111112"', `"${o.vault.toBase58()}"`);
  if (o.live) text = text.replace('    mode: dry-run', '    mode: live');
  const file = join(dir, 'vault.yaml');
  writeFileSync(file, `${text}${o.extra ?? ''}`);
  return file;
}
