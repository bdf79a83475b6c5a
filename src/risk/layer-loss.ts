import type { LayerLoss } from '../domain/score.js';
import type { AssetInfo, Universe } from '../config/universe.js';

/**
 * Loss from one layer. Failure modes compound: the chance that any of them happens in a year is
 * 1 − Π(1 − pᵢ), and the expected loss is Σ pᵢ·sᵢ. More services secured means more yield and more
 * exposure at once, never one without the other.
 */
export function layerLoss(u: Universe, layerId: string): LayerLoss {
  const layer = u.layers.get(layerId);
  if (!layer) throw new Error(`unknown risk layer "${layerId}"`);
  let survive = 1;
  let expectedLoss = 0;
  for (const m of layer.failureModes) {
    survive *= 1 - m.annualProbability;
    expectedLoss += m.annualProbability * m.severity;
  }
  return {
    layer: layerId,
    kind: layer.kind,
    expectedLoss,
    probability: 1 - survive,
    modes: layer.failureModes.map((m) => ({ name: m.name, annualProbability: m.annualProbability, severity: m.severity })),
  };
}

export interface StackLoss {
  readonly layers: readonly LayerLoss[];
  /** Σ over layers of Σ p·s: annual expected loss as a fraction of the position. */
  readonly expectedLoss: number;
  /** 1 − Π over every failure mode in the stack of (1 − p). */
  readonly probability: number;
}

/** The whole stack beneath an asset. Layers shared by several assets are the same objects, so correlation is visible to limits. */
export function stackLoss(u: Universe, a: AssetInfo): StackLoss {
  const layers = a.layers.map((l) => layerLoss(u, l));
  let survive = 1;
  let expectedLoss = 0;
  for (const l of layers) {
    survive *= 1 - l.probability;
    expectedLoss += l.expectedLoss;
  }
  return { layers, expectedLoss, probability: 1 - survive };
}
