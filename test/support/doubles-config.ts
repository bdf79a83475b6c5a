import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Address } from 'viem';
import { stringify } from 'yaml';
import type { ExecDoubles } from './exec-doubles.js';

/**
 * The shipped configuration pointed at the execution doubles on a local chain: the transaction policy with
 * its mainnet addresses swapped for the doubles' (and the placeholder vault for the test's vault), and a
 * deployment file giving the builders the doubles' addresses — what a vault manager writes for a testnet.
 */

const ROOT = join(import.meta.dirname, '..', '..');
export const SHIPPED_POLICY = join(ROOT, 'config/policies/eth-restaking.policy.yaml');

/** The shipped policy text for the doubles on `chainId`, with `vault` as the vault. Fails if an entry is missing. */
export function doublesPolicyText(d: ExecDoubles, vault: Address, chainId: number): string {
  const c = d.admin.contracts;
  const map: Record<string, Address> = {
    weth: c.weth,
    steth: c.steth,
    wsteth: c.wsteth,
    lidoWithdrawalQueue: c.lidoQueue,
    etherfiLiquidityPool: c.liquidityPool,
    eeth: c.eeth,
    weeth: c.weeth,
    etherfiWithdrawRequestNft: c.withdrawRequestNft,
    etherfiWeethWithdrawAdapter: c.weethAdapter,
    renzoRestakeManager: c.restakeManager,
    ezeth: c.ezeth,
    renzoWithdrawQueue: c.renzoQueue,
    kelpDepositPool: c.kelpDepositPool,
    rseth: c.rseth,
    kelpWithdrawalManager: c.kelpWithdrawalManager,
    aavePool: c.aavePool,
    curveStethPool: c.curveSteth,
    curveWeethPool: c.curveWeeth,
    curveEzethPool: c.curveEzeth,
    uniswapRouter: c.uniswapRouter,
  };
  let text = readFileSync(SHIPPED_POLICY, 'utf8');
  for (const [name, addr] of Object.entries(map)) {
    const re = new RegExp(`^(\\s+${name}: )"0x[0-9a-fA-F]{40}"`, 'm');
    if (!re.test(text)) throw new Error(`the shipped policy has no address entry ${name}`);
    text = text.replace(re, `$1"${addr}"`);
  }
  return text.replace(/^vault: "0x[0-9a-fA-F]{40}"/m, `vault: "${vault}"`).replace(/^chainId: 1$/m, `chainId: ${chainId}`);
}

/** A deployment file (src/chains/evm/deployment-file.ts) with the doubles' addresses. */
export function writeDoublesDeployment(d: ExecDoubles, file: string): void {
  writeFileSync(file, stringify({ tokens: d.tokens, ...d.addresses }));
}
