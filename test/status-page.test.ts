import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderStatusPage, STATUS_CSP } from '../src/service/status-page.js';
import type { VaultView } from '../src/service/vault-view.js';

/** The status page's own guarantees: journaled text is escaped, in-flight work is shown, the CSP allows exactly its style. */

const view = (over: Partial<VaultView> = {}): VaultView => ({
  name: 'eth-restaking', chain: 'ethereum', baseAsset: 'ETH', feed: 'live', executor: 'safe', mode: 'safe-live', schedule: 'every 1m', state: 'running', ready: false,
  notReady: ['sources did not answer: defillama'], error: null, leaseHeld: true, startedAt: '2026-12-05T00:00:00.000Z', cycles: 3, errors: 0, skippedTicks: 0,
  lastCycle: { at: '2026-12-05T00:01:00.000Z', decisionTime: '2026-12-05T00:01:00.000Z', outcome: 'failed', durationMs: 12.5, cycleId: 3, note: 'source failed: defillama' },
  nav: { base: 'ETH', baseUnits: '100000000000000000000', value: 100 },
  allocation: { ETH: 0.5, wstETH: 0.5 },
  lastDecision: { cycleId: 3, decisionTime: '2026-12-05T00:01:00.000Z', strategy: 'risk-adjusted', weights: { ETH: 1 }, rationale: ['no plan: a source covering a held asset failed (fail closed)'], halted: true, endStatus: 'failed' },
  halted: { outcome: 'failed', reason: 'source failed: defillama' },
  breakers: [{ breaker: 'depeg', asset: 'weETH', action: 'derisk', held: true, message: 'weETH 0.52 % below fair' }],
  inFlight: { actions: [{ actionId: 9, cycleId: 2, kind: 'buy', from: 'ETH', to: 'wstETH', status: 'sent' }], transactions: [], proposals: [{ id: 1, multisig: 'safe', chain: 'evm:1', nonce: 8, hash: '0xabcdef0123456789abcdef', status: 'confirmations' }] },
  recentEvents: [{ id: 1, runId: 1, cycleId: 3, at: '2026-12-05T00:01:00.000Z', kind: 'source-failed', severity: 'critical', message: 'defillama: <script>alert(1)</script> & "quotes"' }],
  navSeries: [{ at: '2026-12-04T00:00:00.000Z', nav: 99.9 }, { at: '2026-12-05T00:00:00.000Z', nav: 100 }],
  ...over,
});

describe('status page', () => {
  it('escapes journaled text, so a message cannot inject markup', () => {
    const html = renderStatusPage([view()]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('defillama: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
  });

  it('shows what is in flight and awaiting signatures, breakers and why the vault is not ready', () => {
    const html = renderStatusPage([view()]);
    expect(html).toContain('safe proposal nonce 8');
    expect(html).toContain('confirmations (awaiting signatures)');
    expect(html).toContain('action 9</td><td>buy ETH→wstETH</td><td>sent');
    expect(html).toMatch(/<td>depeg<\/td><td>weETH \(held\)<\/td><td>derisk<\/td>/);
    expect(html).toContain('<li>sources did not answer: defillama</li>');
    expect(html).toContain('<p class="sev-critical">last cycle failed: source failed: defillama</p>');
    expect(renderStatusPage([view({ halted: null })])).not.toContain('last cycle failed');
    expect(html).toMatch(/<polyline [^>]*points="[\d., ]+"/);
  });

  it("the CSP's style hash is the page's one style block, and nothing else is allowed", () => {
    const html = renderStatusPage([view(), view({ name: 'sol-staking', inFlight: null, navSeries: [] })]);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] as string;
    expect(STATUS_CSP).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(STATUS_CSP).toMatch(/^default-src 'none';/);
    expect(STATUS_CSP).not.toMatch(/unsafe-inline|script-src/);
    expect(html).not.toMatch(/ style=/); // inline style attributes would be blocked by the CSP
    expect(html).toContain('not enough cycles for a chart yet');
  });
});
