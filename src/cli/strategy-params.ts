import type { LoadedVault } from '../config/load-vault.js';
import { suggest } from '../config/did-you-mean.js';
import { keysAt } from '../config/zod-issues.js';
import { zodIssues } from '../config/load-yaml.js';
import { ConfigError, type Issue } from '../errors.js';
import { listStrategies, loadStrategy } from '../strategy/load-strategy.js';
import type { Strategy } from '../strategy/strategy.js';

/** `k=v` overrides: the value is read as JSON when it parses (numbers, booleans), else as a string. */
export function parseParamOverrides(pairs: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new ConfigError('--param', [{ where: `--param ${p}`, value: p, expected: 'key=value (e.g. --param riskAversion=2)' }]);
    const k = p.slice(0, eq);
    const raw = p.slice(eq + 1);
    try {
      out[k] = JSON.parse(raw);
    } catch {
      out[k] = raw;
    }
  }
  return out;
}

/** Loads a strategy by name; an unknown name says which ones exist and which was probably meant. */
export async function loadNamedStrategy(name: string, where: string): Promise<Strategy<unknown>> {
  const names = listStrategies();
  if (!names.includes(name)) {
    throw new ConfigError(where, [{ where, value: name, expected: `a strategy in strategies/${suggest(name, names) || ` (${names.join(', ')})`}` }]);
  }
  return loadStrategy(name);
}

/**
 * The strategy's params: the file's (when the strategy is the file's own) with the --param flags over them,
 * checked against the strategy's schema. A problem with a value from a flag is blamed on the flag; one from
 * the file gets the file's line and column.
 */
export function checkStrategyParams(strategy: Strategy<unknown>, vault: LoadedVault, flags: readonly string[] | undefined, useFileParams: boolean): unknown {
  const overrides = parseParamOverrides(flags);
  const fileParams = useFileParams ? vault.config.strategy.params : {};
  const merged = { ...fileParams, ...overrides };
  const r = strategy.params.safeParse(merged);
  if (r.success) return r.data;
  const flagOf = (key: string) => (flags ?? []).find((f) => f.startsWith(`${key}=`));
  const issues: Issue[] = [];
  for (const iss of r.error.issues) {
    const keys = iss.code === 'unrecognized_keys' ? iss.keys : [String(iss.path[0] ?? '')];
    const fromFlag = keys.filter((k) => k in overrides);
    if (fromFlag.length > 0) {
      const allowed = keysAt(strategy.params, []);
      for (const k of fromFlag) {
        const h = iss.code === 'unrecognized_keys' ? `a parameter of ${strategy.name}${suggest(k, allowed) || ` (${allowed.join(', ')})`}` : humanExpected(iss, strategy, merged, vault);
        issues.push({ where: `--param ${flagOf(k) ?? k}`, value: iss.code === 'unrecognized_keys' ? k : overrides[k], expected: h });
      }
      if (fromFlag.length === keys.length) continue;
    }
    const rest = iss.code === 'unrecognized_keys' ? { ...iss, keys: iss.keys.filter((k) => !(k in overrides)) } : iss;
    if (vault.source) issues.push(...zodIssues([rest], vault.source, strategy.params, ['strategy', 'params'], merged));
    else issues.push({ where: `${vault.file} strategy.params.${rest.path.join('.')}`, value: undefined, expected: rest.message });
  }
  throw new ConfigError(issues.every((i) => i.where.startsWith('--param')) ? '--param' : vault.file, issues);
}

function humanExpected(iss: Parameters<typeof zodIssues>[0][number], strategy: Strategy<unknown>, merged: unknown, vault: LoadedVault): string {
  const probe = zodIssues([iss], vault.source ?? { file: '', data: merged, locate: () => '' }, strategy.params, [], merged);
  return probe[0]?.expected || probe[0]?.message || iss.message;
}
