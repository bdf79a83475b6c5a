import { loadVault } from '../../config/load-vault.js';
import { ConfigError, formatIssue, type Issue } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { reportError } from '../report-error.js';
import { checkStrategyParams, loadNamedStrategy } from '../strategy-params.js';
import { redactText } from '../../redact.js';
import { resolve } from 'node:path';
import { suggest } from '../../config/did-you-mean.js';
import { listStrategies, loadStrategy } from '../../strategy/load-strategy.js';

/**
 * Checks a vault config, its registry, its strategy params and its execution section; prints every problem.
 * Exit 0 only when all is valid; an invalid config exits 2, as `run` does for the same file (exit-codes.ts).
 */
export async function validateConfigCommand(file: string, out: (l: string) => void): Promise<number> {
  try {
    const v = loadVault(file);
    const issues: Issue[] = [];
    let strategyName = v.config.strategy.name;
    try {
      const s = await loadNamedStrategy(v.config.strategy.name, `${v.source?.locate(['strategy', 'name']) ?? v.file} strategy.name`);
      strategyName = s.name;
      checkStrategyParams(s, v, [], true);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
    }
    if (issues.length > 0) throw new ConfigError(v.file, issues);
    out(`${v.file}: valid (vault ${v.config.name}, ${v.universe.assets.length} assets, strategy ${strategyName}, registry ${v.paths.registry})`);
    if (v.defaultsApplied?.length) {
      out(`  defaults applied (not written in the file; conservative values): ${v.defaultsApplied.length}`);
      for (const d of v.defaultsApplied) out(`    ${d}`);
    }
    // Readers and chain setups are imported only for the sections a config has: a paper config loads no chain code.
    if (v.config.sources) {
      const { createLiveSource } = await import('../../sources/live-sources.js');
      // Building the readers parses the sections each reader owns (sources.solana, sources.jupiter); nothing is read.
      const live = createLiveSource(v.config.sources);
      void live;
      out(`  sources: ${Object.keys(v.config.sources).filter((k) => k !== 'timeoutMs').join(', ')} (checked; nothing was read)`);
    }
    if (v.config.execution?.evm) {
      const { loadEvmExecutionSetup } = await import('../../chains/evm/evm-executor-setup.js');
      const { PLACEHOLDER_VAULT } = await import('../../chains/evm/policy/policy-schema.js');
      const x = loadEvmExecutionSetup(v, { allowPlaceholder: true });
      out(redactText(`  execution: ${x.evm.mode} on chain ${x.evm.chainId} for vault ${x.evm.vault}; policy ${x.policyPath} valid (${x.policy.rules.length} rules)${v.paths.deployment ? `; deployment ${v.paths.deployment}` : ''}`));
      if (x.policy.vault === PLACEHOLDER_VAULT) out(`  note: the vault address is the shipped placeholder ${PLACEHOLDER_VAULT}; --executor evm refuses to start until it is set here and in the policy`);
    }
    if (v.config.execution?.safe) {
      const { safeSummary } = await import('../../chains/evm/safe/safe-config.js');
      out(redactText(safeSummary(v.config.execution.safe)));
    }
    if (v.config.execution?.solana) {
      const { loadSolanaExecutionSetup } = await import('../../chains/solana/solana-executor-setup.js');
      const { PLACEHOLDER_SOL_VAULT } = await import('../../chains/solana/policy/sol-policy-schema.js');
      const x = loadSolanaExecutionSetup(v, { allowPlaceholder: true });
      out(redactText(`  execution: solana ${x.sol.mode} on ${x.sol.cluster} for vault ${x.sol.vault}; policy ${v.paths.policy} valid (${x.policy.rules.length} rules)`));
      if (x.policy.vault === PLACEHOLDER_SOL_VAULT) out(`  note: the vault address is the shipped placeholder ${PLACEHOLDER_SOL_VAULT}; --executor solana refuses to start until it is set here and in the policy`);
    }
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ConfigError) {
      e = new ConfigError(e.file, [...e.issues, ...(await rawParamIssues(file, e))]);
    }
    if (e instanceof ConfigError) {
      out(`${e.file}: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}`);
      for (const i of e.issues.slice(0, 200)) out(`  - ${formatIssue(i)}`);
      if (e.issues.length > 200) out(`  … and ${e.issues.length - 200} more`);
      return EXIT.usage;
    }
    const r = reportError(e);
    out(`${file}: ${r.text}`);
    return r.exitCode === EXIT.failed ? EXIT.usage : r.exitCode;
  }
}

/**
 * When the file failed its schema, its strategy and params are still checked from the raw file (when it
 * names a strategy that exists), so one run of validate-config lists every problem.
 */
async function rawParamIssues(file: string, first: ConfigError): Promise<Issue[]> {
  if (first.issues.some((i) => /strategy\.(params|name)/.test(i.where))) return [];
  try {
    const { readLocated, zodIssues } = await import('../../config/load-yaml.js');
    const src = readLocated(resolve(file));
    const raw = src.data as { strategy?: { name?: unknown; params?: unknown } } | null;
    const name = raw?.strategy?.name;
    if (typeof name !== 'string') return [];
    const names = listStrategies();
    if (!names.includes(name)) return [{ where: `${src.locate(['strategy', 'name'])} strategy.name`, value: name, expected: `a strategy in strategies/${suggest(name, names) || ` (${names.join(', ')})`}` }];
    const s = await loadStrategy(name);
    const r = s.params.safeParse(raw?.strategy?.params ?? {});
    return r.success ? [] : zodIssues(r.error.issues, src, s.params, ['strategy', 'params'], raw?.strategy?.params ?? {});
  } catch {
    return [];
  }
}
