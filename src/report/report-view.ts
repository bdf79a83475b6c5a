import type { AssetId } from '../domain/asset.js';
import type { ReportModel } from './report-model.js';

/** Presentation hints the page script reads beside the model: colours, line styles, which assets to draw. */

export interface ReportView {
  readonly xMin: number;
  readonly xMax: number;
  readonly assetColors: Record<AssetId, string>;
  /** Parallel to model.series. */
  readonly series: ReadonlyArray<{ color: string; width: number; dash: number[]; order: number }>;
  /** Assets drawn on the allocation chart (held at some time), largest average weight first. */
  readonly allocationAssets: readonly AssetId[];
  readonly yieldAssets: readonly AssetId[];
  /** Risk chart rows, largest expected loss first. */
  readonly riskAssets: readonly AssetId[];
  /** One stacked dataset per layer kind: its expected loss in each riskAssets row, and the layer ids behind it. */
  readonly riskKinds: ReadonlyArray<{ kind: string; color: string; values: number[]; layers: string[] }>;
}

/** Tableau-style categorical palette: distinct, calm, readable on white. */
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#499894', '#d37295', '#86bcb6', '#b6992d', '#a0cbe8', '#8cd17d', '#fabfd2'];
const BASE_ASSET_COLOR = '#9aa3ad';
const STRATEGY_COLORS = ['#1f4e8c', '#2a9d8f', '#7b4fa0', '#c2185b'];
const BASELINE_COLORS = ['#8c6d31', '#5b8e7d', '#a05195', '#6b7b8c', '#b5838d', '#3d7ea6'];
const BENCHMARK_COLOR = '#e8871e';
const CEILING_COLOR = '#3b3b3b';
/** DESIGN.md's layer kinds, bottom of the stack first. */
const LAYER_KINDS: ReadonlyArray<readonly [string, string]> = [
  ['base-chain', '#6b7b8c'],
  ['lst-protocol', '#4e79a7'],
  ['restaking-protocol', '#e15759'],
  ['services', '#f28e2b'],
  ['operators', '#edc948'],
  ['receipt-token', '#b07aa1'],
  ['money-market', '#59a14f'],
];

function hslColor(i: number): string {
  return `hsl(${Math.round((i * 137.508) % 360)}, 45%, 50%)`;
}

export function buildView(model: ReportModel): ReportView {
  const p = model.primary;
  const avg: Record<AssetId, number> = {};
  for (const r of p.allocation) for (const [a, w] of Object.entries(r.weights)) avg[a] = (avg[a] ?? 0) + w / Math.max(1, p.allocation.length);
  const held = Object.keys(avg).filter((a) => p.allocation.some((r) => (r.weights[a] ?? 0) > 1e-9));
  const allocationAssets = held.sort((a, b) => (avg[b] as number) - (avg[a] as number) || a.localeCompare(b));

  const yieldAssets: AssetId[] = [];
  for (const r of p.yields) for (const [a, y] of Object.entries(r.yields)) if (Number.isFinite(y) && !yieldAssets.includes(a)) yieldAssets.push(a);
  yieldAssets.sort((a, b) => rank(allocationAssets, a) - rank(allocationAssets, b) || a.localeCompare(b));

  const riskRows = [...p.risk].sort((a, b) => b.expectedLoss - a.expectedLoss || a.asset.localeCompare(b.asset));
  const riskAssets = riskRows.map((r) => r.asset);

  const assetColors: Record<AssetId, string> = {};
  let next = 0;
  const everyAsset = [...allocationAssets, ...Object.keys(avg), ...yieldAssets, ...riskAssets, ...Object.keys(p.riskContribution)];
  for (const a of everyAsset) {
    if (assetColors[a] !== undefined) continue;
    if (a === model.baseAsset) {
      assetColors[a] = BASE_ASSET_COLOR;
      continue;
    }
    assetColors[a] = PALETTE[next] ?? hslColor(next);
    next++;
  }

  const kinds: string[] = LAYER_KINDS.map(([k]) => k);
  for (const r of riskRows) for (const l of r.layers) if (!kinds.includes(l.kind)) kinds.push(l.kind);
  const riskKinds = kinds
    .filter((k) => riskRows.some((r) => r.layers.some((l) => l.kind === k)))
    .map((k, i) => ({
      kind: k,
      color: LAYER_KINDS.find(([kk]) => kk === k)?.[1] ?? hslColor(i + 3),
      values: riskRows.map((r) => r.layers.filter((l) => l.kind === k).reduce((s, l) => s + l.expectedLoss, 0)),
      layers: riskRows.map((r) => r.layers.filter((l) => l.kind === k).map((l) => l.layer).join(', ')),
    }));

  const count = { strategy: 0, baseline: 0 };
  const series = model.series.map((s, i) => {
    switch (s.kind) {
      case 'strategy': {
        const first = count.strategy++ === 0;
        return { color: STRATEGY_COLORS[(count.strategy - 1) % STRATEGY_COLORS.length] as string, width: first ? 2.75 : 2, dash: [], order: first ? 0 : 1 + i };
      }
      case 'baseline':
        return { color: BASELINE_COLORS[count.baseline++ % BASELINE_COLORS.length] as string, width: 1.5, dash: [], order: 20 + i };
      case 'benchmark':
        return { color: BENCHMARK_COLOR, width: 2, dash: [2, 3], order: 40 + i };
      case 'ceiling':
        return { color: CEILING_COLOR, width: 1.5, dash: [7, 4], order: 60 + i };
    }
  });

  let xMin = model.from;
  let xMax = model.to;
  const see = (t: number) => {
    if (!Number.isFinite(t)) return;
    xMin = Number.isFinite(xMin) ? Math.min(xMin, t) : t;
    xMax = Number.isFinite(xMax) ? Math.max(xMax, t) : t;
  };
  for (const s of model.series) for (const [t] of s.nav) see(t);
  for (const r of p.allocation) see(r.t);
  for (const e of p.events) see(e.t);
  if (!(xMax > xMin)) xMax = xMin + 86_400_000;

  return { xMin, xMax, assetColors, series, allocationAssets, yieldAssets, riskAssets, riskKinds };
}

function rank(order: readonly string[], a: string): number {
  const i = order.indexOf(a);
  return i < 0 ? order.length : i;
}

