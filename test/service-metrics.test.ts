import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProposalJournal } from '../src/journal/proposal-journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import { inFlight, spendBetween } from '../src/service/journal-reads.js';
import { baseUnitsToNumber, FleetMetrics } from '../src/service/metrics.js';
import type { VaultRunner } from '../src/service/vault-runner.js';
import type { VaultStatus } from '../src/service/vault-status.js';
import { tempDir } from './support/cli.js';

/** The journal-fed parts of /metrics: quarantine events, multisig proposals in flight and in the day's spend. */

const status = { name: 'eth-restaking', baseAsset: 'ETH', baseDecimals: 18, universe: ['ETH'], journal: '/nonexistent' } as unknown as VaultStatus;

describe('service metrics from the journal', () => {
  it('counts readings put in quarantine, and cycles a held asset sat in quarantine, apart', async () => {
    const m = new FleetMetrics(() => []);
    m.register(status);
    for (const kind of ['reading-quarantined', 'reading-quarantined', 'quarantine-held', 'reading-confirmed', 'breaker:depeg']) {
      m.event(status, { at: 0, kind, severity: 'warn', message: 'm', data: kind === 'breaker:depeg' ? { action: 'derisk' } : undefined });
    }
    const text = await m.render();
    expect(text).toContain('restake_keeper_quarantined_readings_total{vault="eth-restaking"} 2');
    expect(text).toContain('restake_keeper_quarantine_held_cycles_total{vault="eth-restaking"} 1');
    expect(text).toContain('restake_keeper_breaker_firings_total{vault="eth-restaking",breaker="depeg",action="derisk"} 1');
    const report = (status: 'halted' | 'completed') => ({ cycleId: 1, time: 0, status, navBase: 10n ** 20n, current: { ETH: 1 }, targets: undefined, planned: 0, filled: 0, failed: 0, costBase: 0n, firings: [], note: 'drawdown → halt' });
    m.cycle(status, report('halted'), 5);
    expect(await m.render()).toContain('restake_keeper_vault_halted{vault="eth-restaking"} 1');
    m.cycle(status, report('completed'), 5);
    expect(await m.render()).toContain('restake_keeper_vault_halted{vault="eth-restaking"} 0');
  });

  it('shows a pending Safe proposal in flight and in the day\'s spend; an executed one only in the spend', async () => {
    const path = join(tempDir('svc-metrics-'), 'j.sqlite');
    const j = openJournal(path);
    const pj = new ProposalJournal(j.db);
    const now = Date.parse('2026-12-05T10:00:00Z');
    const base = { vault: 'eth-restaking', cycleId: null, multisig: 'safe' as const, chain: 'evm:1', account: '0x00000000000000000000000000000000000000aa', proposer: '0xbb', payload: {}, description: {}, createdAt: now };
    const b = pj.recordIntent({ ...base, nonce: 7n, hash: '0x01', valueAtRisk: 10n ** 18n });
    pj.recordStatus(b, 'executed', now + 1);
    const a = pj.recordIntent({ ...base, nonce: 8n, hash: '0x02', valueAtRisk: 2n * 10n ** 18n });
    pj.recordStatus(a, 'proposed', now + 2);
    const f = inFlight(j, 'eth-restaking');
    expect(f.proposals.map((p) => [p.nonce, p.status])).toEqual([[8, 'proposed']]);
    expect(inFlight(j, 'another-vault').proposals).toEqual([]);
    const day = Date.parse('2026-12-05T00:00:00Z');
    expect(spendBetween(j, 'eth-restaking', day, day + 86_400_000)).toBe(3n * 10n ** 18n);
    expect(spendBetween(j, 'eth-restaking', day + 86_400_000, day + 2 * 86_400_000)).toBe(0n);

    const runner = { status: { ...status, journal: path }, journal: j } as unknown as VaultRunner;
    const m = new FleetMetrics(() => [runner]);
    const text = await m.render(now);
    expect(text).toContain('restake_keeper_in_flight{vault="eth-restaking",kind="proposal"} 1');
    expect(text).toContain('restake_keeper_spend_today_base{vault="eth-restaking"} 3');
    expect(text).toMatch(/restake_keeper_journal_bytes\{vault="eth-restaking"\} [1-9]\d+/);
    j.close();
  });

  it('renders base units as whole base-asset units without losing the fraction', () => {
    expect(baseUnitsToNumber(100_133_101_080_910_960_000n, 18)).toBeCloseTo(100.13310108091096, 12);
    expect(baseUnitsToNumber(10_055_336_764_607n, 9)).toBe(10055.336764607);
  });
});

describe('the day\'s spend cap', () => {
  it("is the vault's transaction policy's per-day cap for a signing executor, and none for paper", async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { loadVault } = await import('../src/config/load-vault.js');
    const { dailyCapOf } = await import('../src/service/spend-cap.js');
    const { writeVariant } = await import('./support/vault-variant.js');
    const { ROOT } = await import('./support/cli.js');
    const dir = tempDir('cap-');
    const REAL = '0x00000000000000000000000000000000000c0ffe';
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, readFileSync(join(ROOT, 'config/policies/eth-restaking.policy.yaml'), 'utf8').replace('0x000000000000000000000000000000000000dEaD', REAL));
    const vaultFile = writeVariant(dir, (y) => y.replace(/policy: \S+/, `policy: ${policyFile}`).replace('vault: "0x000000000000000000000000000000000000dEaD"', `vault: "${REAL}"`));
    const plan = (executor: string) => ({ vault: loadVault(vaultFile), executor }) as unknown as Parameters<typeof dailyCapOf>[0];
    const perDayEth = Number(/perDayEth: "?(\d+)/.exec(readFileSync(policyFile, 'utf8'))?.[1]);
    expect(dailyCapOf(plan('evm'))).toBe(BigInt(perDayEth) * 10n ** 18n);
    expect(dailyCapOf(plan('paper'))).toBeUndefined();
    // The shipped policy's placeholder vault is refused by its loader: no cap rather than a wrong one.
    expect(dailyCapOf({ vault: loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml')), executor: 'evm' } as unknown as Parameters<typeof dailyCapOf>[0])).toBeUndefined();
  });
});
