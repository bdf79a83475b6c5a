import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedVault } from '../config/load-vault.js';
import type { Observation } from '../domain/observation.js';
import { foresightCeiling, type CeilingResult } from '../backtest/foresight-ceiling.js';
import { loadHighsSolver } from '../strategy/highs-solver.js';

/** The ceiling's own code is part of the key: a changed model never reads an old answer. */
const MODEL_FILES = ['../backtest/foresight-ceiling.js', '../backtest/ceiling-path.js', '../backtest/in-limits-benchmark.js', '../market/cost-model.js', '../risk/depeg-response.js'];

function modelVersion(): string {
  const h = createHash('sha256');
  for (const f of MODEL_FILES) {
    const path = fileURLToPath(new URL(f, import.meta.url));
    h.update(existsSync(path) ? readFileSync(path) : f);
  }
  return h.digest('hex');
}

/**
 * The foresight ceiling is one LP over the whole path (seconds, not milliseconds), so it is computed
 * once per dataset and kept under var/ceilings, keyed by the vault and registry (their hash), the rows,
 * the window and the model version. A changed input is a new key: a stale ceiling cannot be read.
 */
export async function cachedCeiling(root: string, v: LoadedVault, rows: readonly Observation[], from: number, to: number, step: number): Promise<{ ceiling: CeilingResult; cached: boolean }> {
  const h = createHash('sha256').update(modelVersion()).update(v.hash).update(`${from}:${to}:${step}:${rows.length}`);
  for (const r of rows) h.update(`${r.time}${r.asset}${r.fairRate}${r.marketRate}${r.supplyIndex}${r.redemptionDelaySeconds}${r.exitImpact}`);
  const file = join(root, 'var', 'ceilings', `${h.digest('hex').slice(0, 32)}.json`);
  if (existsSync(file)) {
    try {
      return { ceiling: JSON.parse(readFileSync(file, 'utf8')) as CeilingResult, cached: true };
    } catch {
      // An unreadable cache entry is recomputed, never trusted.
    }
  }
  const ceiling = foresightCeiling(v, rows, from, to, step, await loadHighsSolver({ presolve: true, method: 'ipm' }));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(ceiling));
  return { ceiling, cached: false };
}
