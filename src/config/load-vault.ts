import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, type Issue } from '../errors.js';
import { loadYaml } from './load-yaml.js';
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
}

/**
 * Loads a vault config and its registry and checks them against each other. Every problem in either
 * file is reported; the keeper refuses to start on any.
 */
export function loadVault(file: string): LoadedVault {
  const path = resolve(file);
  const config = loadYaml(path, VaultSchema);
  const dir = dirname(path);
  const registryPath = resolve(dir, config.registry);
  const overlays = config.registryOverlays.map((f) => resolve(dir, f));
  const registry = loadRegistry(registryPath, overlays);
  const issues = crossCheck(path, config, registry);
  if (issues.length > 0) throw new ConfigError(path, issues);
  const policy = config.execution?.policy ? resolve(dir, config.execution.policy) : undefined;
  const deployment = config.execution?.evm?.deployment ? resolve(dir, config.execution.evm.deployment) : undefined;
  const h = createHash('sha256').update(readFileSync(path)).update(readFileSync(registryPath));
  for (const f of overlays) h.update(readFileSync(f));
  // A missing policy is reported where it is loaded (--executor evm); paper runs do not need it.
  for (const f of [policy, deployment]) if (f && existsSync(f)) h.update(readFileSync(f));
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
  };
}

function crossCheck(file: string, v: VaultConfig, r: Registry): Issue[] {
  const issues: Issue[] = [];
  const at = (path: string) => `${file} ${path}`;
  const base = r.assets[v.baseAsset];
  if (!base) issues.push({ where: at('baseAsset'), value: v.baseAsset, expected: `an asset in the registry (${Object.keys(r.assets).join(', ')})` });
  else if (base.kind !== 'native') issues.push({ where: at('baseAsset'), value: v.baseAsset, expected: 'a native asset' });
  const chainCosts = r.chains[v.chain];
  if (!chainCosts) issues.push({ where: at('chain'), value: v.chain, expected: `a chain the registry prices (${Object.keys(r.chains).join(', ')})` });
  else if (chainCosts.baseAsset !== v.baseAsset) issues.push({ where: at('baseAsset'), value: v.baseAsset, expected: `the ${v.chain} base asset ${chainCosts.baseAsset}` });
  const seen = new Set<string>();
  v.universe.forEach((id, i) => {
    const a = r.assets[id];
    if (seen.has(id)) issues.push({ where: at(`universe.${i}`), value: id, expected: 'each asset listed once' });
    seen.add(id);
    if (!a) issues.push({ where: at(`universe.${i}`), value: id, expected: `an asset in the registry (${Object.keys(r.assets).join(', ')})` });
    else if (a.chain !== v.chain) issues.push({ where: at(`universe.${i}`), value: id, expected: `an asset on ${v.chain} (it is on ${a.chain})` });
    else if (a.valuedIn !== v.baseAsset) issues.push({ where: at(`universe.${i}`), value: id, expected: `an asset valued in ${v.baseAsset} (it is valued in ${a.valuedIn})` });
  });
  if (v.benchmark && !r.assets[v.benchmark]) issues.push({ where: at('benchmark'), value: v.benchmark, expected: 'an asset in the registry' });
  for (const id of Object.keys(v.initialHoldings)) {
    if (id !== v.baseAsset && !v.universe.includes(id)) issues.push({ where: at(`initialHoldings.${id}`), value: id, expected: 'an asset in the universe' });
  }
  for (const g of Object.keys(v.limits.groupCaps)) {
    const known = Object.values(r.assets).some((a) => Object.values(a.groups).includes(g));
    if (!known) issues.push({ where: at(`limits.groupCaps.${g}`), value: g, expected: 'a group id used by some registry asset (protocol, restaking, operators or underlying)' });
  }
  return issues;
}
