import { formatTime, parseTime } from '../../domain/time.js';
import { trustedMarketFor } from '../../keeper/trusted-market-for.js';
import { decideCycle } from '../../keeper/decide-cycle.js';
import { initialPortfolio } from '../../keeper/keeper.js';
import { prepare, replaySource, replayWindow, type CommonOptions } from '../prepare.js';

const pct = (x: number | null, d = 2) => (x === null ? '—' : `${(x * 100).toFixed(d)}%`);

/**
 * The scored universe at a point in recorded time: yield components, expected loss by layer, exit cost
 * and delay at the vault's size, and eligibility with reasons. Same scoring code as the keeper.
 */
export async function assetsCommand(o: CommonOptions & { at?: string; json?: boolean }, out: (l: string) => void): Promise<number> {
  const p = await prepare(o);
  const source = replaySource(p.vault);
  const window = replayWindow(p.vault, source, o);
  const at = o.at ? parseTime(o.at) : window.from;
  const market = trustedMarketFor(p.vault);
  market.ingestAll(source.take(at));
  const snapshot = market.view(at);
  const c = p.vault.config;
  const d = decideCycle({
    settings: { universe: p.vault.universe, limits: c.limits, breakers: c.breakers, planner: c.planner, incentiveHaircut: c.scoring.incentiveHaircut, trust: c.trust },
    strategy: p.strategy,
    params: p.params,
    solver: p.solver,
    snapshot,
    portfolio: initialPortfolio(p.vault),
    peakNav: 0n,
    now: at,
    quarantined: new Map([...market.quarantined()].map(([id, q]) => [id, q.message])),
  });
  if (o.json) {
    out(JSON.stringify({ at: formatTime(at), scores: d.scores, breakers: d.firings }, null, 2));
    return 0;
  }
  out(`scored universe of ${c.name} at ${formatTime(at)} (size ${(Number(d.valuation.nav) / 10 ** p.vault.universe.baseDecimals * c.limits.maxWeightPerAsset).toFixed(2)} ${p.vault.universe.baseAsset} per position)`);
  out(['asset', 'eligible', 'yield', '(rate/base/incent/lend)', 'exp.loss', 'P(loss)', 'depeg', 'exit cost', 'exit delay', 'score'].join('\t'));
  for (const s of d.scores) {
    const y = s.yield;
    out([
      s.asset,
      s.eligible ? 'yes' : 'NO',
      pct(y.total),
      `${pct(y.rateGrowth)}/${pct(y.base)}/${pct(y.incentives)}/${pct(y.lending)}`,
      pct(s.expectedLoss, 3),
      pct(s.lossProbability, 1),
      s.depeg === null ? 'not measurable' : pct(s.depeg, 3), // no market price recorded: not 0 %
      pct(s.exitCost, 3),
      `${(s.exitDelaySeconds / 86400).toFixed(1)}d via ${s.exitRoute}`,
      pct(s.score),
    ].join('\t'));
    for (const l of s.layers) if (l.expectedLoss > 0) out(`    layer ${l.layer} (${l.kind}): EL ${pct(l.expectedLoss, 3)}, P ${pct(l.probability, 2)}`);
    for (const r of s.reasons) out(`    not eligible: ${r}`);
  }
  for (const f of d.firings) out(`breaker ${f.breaker}${f.asset ? ` ${f.asset}` : ''}: ${f.message} → ${f.action}`);
  return 0;
}
