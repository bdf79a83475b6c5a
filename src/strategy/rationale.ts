import type { AssetId } from '../domain/asset.js';
import type { AssetScore } from '../domain/score.js';
import type { AllocationBounds } from '../risk/allocation-bounds.js';

const pct = (x: number, d = 2) => `${(x * 100).toFixed(d)} %`;

/** Sentences a risk team can read: what was chosen, at what score, and which limits decided it. */
export function explainAllocation(
  weights: Readonly<Record<AssetId, number>>,
  scores: ReadonlyMap<AssetId, AssetScore>,
  bounds: AllocationBounds,
  binding: readonly string[],
): string[] {
  const lines: string[] = [];
  const chosen = Object.entries(weights).filter(([, w]) => w > 1e-6).sort((a, b) => b[1] - a[1]);
  for (const [id, w] of chosen) {
    const s = scores.get(id);
    if (!s || id === bounds.baseAsset) {
      lines.push(`${id} ${pct(w)}: base asset`);
      continue;
    }
    lines.push(`${id} ${pct(w)}: score ${pct(s.score)} = yield ${pct(s.yield.total)} − expected loss ${pct(s.expectedLoss)} − amortized round trip; ${s.yield.note}`);
  }
  const left = bounds.assets.filter((id) => (weights[id] ?? 0) <= 1e-6 && id !== bounds.baseAsset);
  for (const id of left) {
    const s = scores.get(id);
    if (s && !s.eligible) lines.push(`${id} 0 %: ${s.reasons.join('; ')}`);
    else if (s) lines.push(`${id} 0 %: score ${pct(s.score)} not worth its place under the limits`);
  }
  if (binding.length) lines.push(`binding: ${binding.join('; ')}`);
  return lines;
}
