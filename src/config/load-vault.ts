import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, type Issue } from '../errors.js';
import { appliedDefaults } from './applied-defaults.js';
import { suggest } from './did-you-mean.js';
import { readLocated, validateLocated, type LocatedYaml } from './load-yaml.js';
import type { Registry } from './registry-schema.js';
import { loadRegistry } from './registry-overlay.js';
import { buildUniverse, type Universe } from './universe.js';
import { VaultSchema, type VaultConfig } from './vault-schema.js';

export interface LoadedVault {
  readonly file: string;
  readonly config: VaultConfig;
  readonly registry: Registry;
  readonly universe: Universe;
  readonly paths: { readonly registry: string; readonly history: string | undefined; readonly journal: string; readonly policy?: string | undefined; readonly deployment?: string | undefined };
  /**
   * sha256 of the vault file, the registry file and, when present, the transaction policy and deployment
   * files, so the journal can tell which configuration (and which policy) made a decision.
   */
  readonly hash: string;
  /** The parsed file, to place later problems (strategy params) at their line and column. */
  readonly source?: LocatedYaml;
  /** Safety settings the file does not write, as "path = default" (applied-defaults.ts). */
  readonly defaultsApplied?: readonly string[];
}

/**
 * Loads a vault config and its registry and checks them against each other. Every problem in either
 * file is reported; the keeper refuses to start on any.
 */
export function loadVault(file: string): LoadedVault {
  const path = resolve(file);
  const source = readLocated(path);
  const dir = dirname(path);
  let config: VaultConfig;
  try {
    config = validateLocated(source, VaultSchema);
  } catch (e) {
    // The names are checked against the registry even when the schema failed, so every problem shows at once.
    if (e instanceof ConfigError) throw new ConfigError(path, byPosition([...e.issues, ...rawNameChecks(source, dir)]));
    throw e;
  }
  const registryPath = resolve(dir, config.registry);
  const overlays = config.registryOverlays.map((f) => resolve(dir, f));
  const registry = loadRegistry(registryPath, overlays);
  const issues = crossCheck(source, config, registry);
  if (issues.length > 0) throw new ConfigError(path, byPosition(issues));
  const policy = config.execution?.policy ? resolve(dir, config.execution.policy) : undefined;
  const deployment = config.execution?.evm?.deployment ? resolve(dir, config.execution.evm.deployment) : undefined;
  const h = createHash('sha256').update(readFileSync(path)).update(readFileSync(registryPath));
  for (const f of overlays) h.update(readFileSync(f));
  // A missing policy (or a directory in its place) is reported where it is loaded (--executor evm); paper runs do not need it.
  for (const f of [policy, deployment]) if (f && existsSync(f) && statSync(f).isFile()) h.update(readFileSync(f));
  const hash = h.digest('hex');
  return {
    file: path,
    config,
    registry,
    universe: buildUniverse(registry, config.chain, config.baseAsset, config.universe),
    paths: {
      registry: registryPath,
      history: config.history ? resolve(dir, config.history) : undefined,
      journal: resolve(dir, config.journal),
      policy,
      deployment,
    },
    hash,
    source,
    defaultsApplied: appliedDefaults(source.data, config as unknown as Record<string, unknown>),
  };
}

function crossCheck(src: LocatedYaml, v: VaultConfig, r: Registry): Issue[] {
  const issues: Issue[] = [];
  const at = (path: string) => `${src.locate(path.split('.'))} ${path}`;
  const known = Object.keys(r.assets);
  const inRegistry = (id: string) => `an asset in the registry${suggest(id, known) || ` (${known.join(', ')})`}`;
  const base = r.assets[v.baseAsset];
  if (!base) issues.push({ where: at('baseAsset'), value: v.baseAsset, expected: inRegistry(v.baseAsset) });
  else if (base.kind !== 'native') issues.push({ where: at('baseAsset'), value: v.baseAsset, expected: 'a native asset' });
  const chainCosts = r.chains[v.chain];
  if (!chainCosts) issues.push({ where: at('chain'), value: v.chain, expected: `a chain the registry prices (${Object.keys(r.chains).join(', ')})` });
  else if (chainCosts.baseAsset !== v.baseAsset) issues.push({ where: at('baseAsset'), value: v.baseAsset, expected: `the ${v.chain} base asset ${chainCosts.baseAsset}` });
  const seen = new Set<string>();
  v.universe.forEach((id, i) => {
    const a = r.assets[id];
    if (seen.has(id)) issues.push({ where: at(`universe.${i}`), value: id, expected: 'each asset listed once' });
    seen.add(id);
    if (!a) issues.push({ where: at(`universe.${i}`), value: id, expected: inRegistry(id) });
    else if (a.chain !== v.chain) issues.push({ where: at(`universe.${i}`), value: id, expected: `an asset on ${v.chain} (it is on ${a.chain})` });
    else if (a.valuedIn !== v.baseAsset) issues.push({ where: at(`universe.${i}`), value: id, expected: `an asset valued in ${v.baseAsset} (it is valued in ${a.valuedIn})` });
  });
  if (v.benchmark && !r.assets[v.benchmark]) issues.push({ where: at('benchmark'), value: v.benchmark, expected: inRegistry(v.benchmark) });
  for (const id of Object.keys(v.initialHoldings)) {
    if (id !== v.baseAsset && !v.universe.includes(id)) issues.push({ where: at(`initialHoldings.${id}`), value: id, expected: `an asset in the universe${suggest(id, [v.baseAsset, ...v.universe])}` });
  }
  for (const g of Object.keys(v.limits.groupCaps)) {
    const known = Object.values(r.assets).some((a) => Object.values(a.groups).includes(g));
    if (!known) issues.push({ where: at(`limits.groupCaps.${g}`), value: g, expected: 'a group id used by some registry asset (protocol, restaking, operators or underlying)' });
  }
  return issues;
}

/** The asset names of a file that failed its schema, checked against its registry when both can be read. */
function rawNameChecks(src: LocatedYaml, dir: string): Issue[] {
  const raw = src.data as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || typeof raw.registry !== 'string') return [];
  let registry: Registry;
  try {
    const overlays = Array.isArray(raw.registryOverlays) ? raw.registryOverlays.filter((f): f is string => typeof f === 'string').map((f) => resolve(dir, f)) : [];
    registry = loadRegistry(resolve(dir, raw.registry), overlays);
  } catch {
    return []; // the registry's own problems are reported when the vault is otherwise valid
  }
  const known = Object.keys(registry.assets);
  const issues: Issue[] = [];
  const check = (path: (string | number)[], id: unknown) => {
    if (typeof id === 'string' && !registry.assets[id]) issues.push({ where: `${src.locate(path)} ${path.join('.')}`, value: id, expected: `an asset in the registry${suggest(id, known) || ` (${known.join(', ')})`}` });
  };
  check(['baseAsset'], raw.baseAsset);
  check(['benchmark'], raw.benchmark);
  if (Array.isArray(raw.universe)) raw.universe.forEach((id, i) => check(['universe', i], id));
  return issues;
}

/** Issues in the order they appear in the file (line, then column); those without a position last. */
function byPosition(issues: Issue[]): Issue[] {
  const key = (i: Issue) => {
    const m = /:(\d+):(\d+)(?: |$)/.exec(i.where);
    return m ? Number(m[1]) * 1e6 + Number(m[2]) : Number.MAX_SAFE_INTEGER;
  };
  return issues.map((i, n) => ({ i, n, k: key(i) })).sort((a, b) => a.k - b.k || a.n - b.n).map((x) => x.i);
}
