import { describe, expect, it } from 'vitest';
import { buildTargetsFromRegistry } from '../src/chains/evm/builders/mainnet.js';
import { applyDeployment, DeploymentSchema } from '../src/chains/evm/deployment-file.js';
import { fairRatesFor } from '../src/chains/evm/evm-executor.js';
import { parseYaml } from '../src/config/load-yaml.js';
import type { PlannedAction } from '../src/domain/action.js';
import { ConfigError } from '../src/errors.js';
import { ethObservations, ethVault, snapshotOf } from './support/core-fixtures.js';

/** What the EVM executor is given besides the chain: the snapshot's fair rates and a deployment file. */

const NOW = Date.parse('2025-01-01T00:00:00Z');
const E18 = 10n ** 18n;

function action(from: string, to: string): PlannedAction {
  return { seq: 0, kind: 'supply', from, to, amountIn: E18, expectedOut: E18, minOut: E18, venue: 'test', estCostBase: 0n, delaySeconds: 0, reason: 'test' };
}

describe('fairRatesFor', () => {
  const v = ethVault();
  const snap = snapshotOf(
    ethObservations({ tokens: { wstETH: { fair0: 1.18, apy: 0.03 }, weETH: { fair0: 1.05, apy: 0.03 } }, lending: { 'aave-v3-weETH': { apyLending: 0.001, index0: 1 } } }, NOW),
    NOW,
  );

  it("gives the action's assets at the snapshot's fair rate, in base units per 1e18 units", () => {
    const rates = fairRatesFor(action('weETH', 'aave-v3-weETH'), { universe: v.universe, snapshot: snap });
    const weeth = 1.05 * Math.pow(1.03, 31 / 365);
    expect(Number(rates['weETH']) / 1e18).toBeCloseTo(weeth, 9);
    // An Aave position is worth its underlying per unit.
    expect(rates['aave-v3-weETH']).toBe(rates['weETH']);
    // ETH is the base asset: exactly 1.
    expect(fairRatesFor(action('ETH', 'wstETH'), { universe: v.universe, snapshot: snap })['ETH']).toBe(E18);
  });

  it('leaves out an asset with no fair rate in the snapshot or not in the registry (the builder then refuses rather than guess)', () => {
    const rates = fairRatesFor(action('ezETH', 'NOT-AN-ASSET'), { universe: v.universe, snapshot: snap });
    expect(rates).toEqual({});
  });
});

describe('deployment file', () => {
  const v = ethVault();
  const mainnet = buildTargetsFromRegistry(v.registry);
  const A = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;

  it('replaces whole protocol sections and single tokens, keeping the rest from the registry', () => {
    const d = parseYaml(
      [`weth: "${A(1)}"`, `tokens: { WETH: "${A(1)}", wstETH: "${A(3)}" }`, `lido: { steth: "${A(2)}", wsteth: "${A(3)}", withdrawalQueue: "${A(4)}" }`, `uniswapV3: { router: "${A(5)}", pools: { wstETH: { fee: 500 } } }`].join('\n'),
      'testnet.deployment.yaml',
      DeploymentSchema,
    );
    const t = applyDeployment(mainnet, d);
    expect(t.addresses.weth).toBe(A(1));
    expect(t.addresses.lido).toEqual({ steth: A(2), wsteth: A(3), withdrawalQueue: A(4) });
    expect(t.addresses.uniswapV3).toEqual({ router: A(5), pools: { wstETH: { fee: 500 } } });
    expect(t.tokens['wstETH']).toBe(A(3));
    // Untouched: the registry's EtherFi section and weETH token.
    expect(t.addresses.etherfi).toEqual(mainnet.addresses.etherfi);
    expect(t.tokens['weETH']).toBe(mainnet.tokens['weETH']);
  });

  it('reports every bad entry with file:line:col and path', () => {
    let err: unknown;
    try {
      parseYaml(
        [`weth: "0x12"`, `lido: { steth: "${A(2)}", wsteth: "${A(3)}" }`, `dex: { weETH: { kind: curve, pool: "${A(6)}", i: 1, j: 1, ethIsNative: false } }`, `uniswapV3: { router: "${A(5)}", pools: { wstETH: { fee: 0 } } }`, 'balancer: {}'].join('\n'),
        'bad.deployment.yaml',
        DeploymentSchema,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const got = (err as ConfigError).issues.map((i) => `${i.where} | ${i.message ?? i.expected}`);
    expect(got).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bad\.deployment\.yaml:1:7 weth \| a 20-byte hex address/),
        expect.stringMatching(/^bad\.deployment\.yaml:2:\d+ lido\.withdrawalQueue \| /),
        expect.stringMatching(/^bad\.deployment\.yaml:3:\d+ dex\.weETH \| i and j must be different coins/),
        expect.stringMatching(/^bad\.deployment\.yaml:4:\d+ uniswapV3\.pools\.wstETH\.fee \| /),
        expect.stringMatching(/^bad\.deployment\.yaml:5:\d+ balancer \| unknown key "balancer"/),
      ]),
    );
  });
});
