#!/usr/bin/env node
import { Command } from 'commander';
import { loadVault } from '../config/load-vault.js';
import { listStrategies, loadStrategy } from '../strategy/load-strategy.js';
import { assetsCommand } from './commands/assets.js';
import { configSchemaCommand } from './commands/config-schema.js';
import { journalCyclesCommand, journalEventsCommand, journalExportCommand, journalShowCommand } from './commands/journal.js';
import { runCommand } from './commands/run.js';
import { makeLogger } from './logger.js';
import { validateConfigCommand } from './commands/validate-config.js';
import { defaultVaultPath } from './paths.js';
import type { Units } from './journal-units.js';

import { cronArg, durationArg, int, logLevelArg, oneOf, positiveInt, timeArg } from './arg-parsers.js';
import { installProcessHandlers, reportError } from './report-error.js';
import { packageVersion } from './paths.js';

installProcessHandlers();
const out = (l: string) => process.stdout.write(`${l}\n`);
const collect = (v: string, prev: string[]) => [...prev, v];
const feedArg = oneOf(['live', 'recorded'] as const);
const executorArg = oneOf(['paper', 'evm', 'safe', 'solana', 'squads'] as const);

/** The feed a run uses: --feed, else the vault's. */
function feedOf(o: { feed?: 'live' | 'recorded'; config: string }): 'live' | 'recorded' {
  return o.feed ?? loadVault(o.config).config.feed;
}

function journalPathFor(config: string, journal?: string): { path: string; units: Units } {
  const v = loadVault(config);
  const u = v.universe;
  return { path: journal ?? v.paths.journal, units: { baseAsset: u.baseAsset, baseDecimals: u.baseDecimals, decimalsOf: (a) => u.assets.find((x) => x.id === a)?.decimals ?? u.baseDecimals } };
}

const program = new Command()
  .name('restake-keeper')
  .description('Keeper for a liquid-restaking vault: reads yields, scores them against risk limits, rebalances, journals every step.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError('(add --help for usage)')
  // Usage errors come back as exceptions (exit status 2, exit-codes.ts) instead of ending the process here.
  .exitOverride();

const withCommon = (c: Command) =>
  c
    .option('-c, --config <file>', 'vault config (YAML)', defaultVaultPath())
    .option('-s, --strategy <name>', 'strategy from strategies/ (default: the config\'s)')
    .option('-p, --param <key=value>', 'override a strategy parameter (repeatable)', collect, [])
    .option('-j, --journal <file>', 'journal path (default: the config\'s)')
    .option('--from <time>', 'start of the replay window (ISO-8601)', timeArg)
    .option('--to <time>', 'end of the replay window (ISO-8601)', timeArg)
    .option('--log-level <level>', 'pino log level on stderr (fatal, error, warn, info, debug, trace, silent)', logLevelArg, process.env.RESTAKE_KEEPER_LOG ?? 'warn');

withCommon(program.command('run').description('paper mode over recorded history: step through recorded time as fast as possible, or one step per --cron tick'))
  .option('--cron <expr>', 'run on a node-cron schedule, one recorded step per tick (overlap-guarded)', cronArg)
  .option('--max-cycles <n>', 'stop after n cycles', positiveInt)
  .option('-q, --quiet', 'no per-cycle lines')
  .option('--fresh', 'start over from the initial holdings (an existing journal is renamed aside, never deleted)')
  .option('--feed <feed>', 'recorded (replay the history) or live (read the configured sources); default: the config\'s', feedArg)
  .option('--executor <kind>', 'paper (simulate fills), evm (the config\'s execution.evm section, checked by its policy), safe (propose through the config\'s execution.safe Safe), solana or squads (propose through execution.squads)', executorArg, 'paper')
  .option('--live', 'with --executor evm and execution.evm.mode live: sign and send transactions')
  .action(async (o) => {
    if (feedOf(o) === 'live') {
      const { runLiveCommand } = await import('./commands/run-live.js');
      process.exitCode = await runLiveCommand({ ...o, maxCycles: o.maxCycles }, out);
    } else process.exitCode = await runCommand({ ...o, param: o.param, maxCycles: o.maxCycles }, out);
  });

withCommon(program.command('once').description('run one cycle: the next step after the journal\'s last decision (or --at)'))
  .option('--at <time>', 'decision time (ISO-8601)', timeArg)
  .option('--fresh', 'start over from the initial holdings (an existing journal is renamed aside, never deleted)')
  .option('--feed <feed>', 'recorded or live; default: the config\'s', feedArg)
  .option('--executor <kind>', 'paper (simulate fills), evm (the config\'s execution.evm section, checked by its policy), safe (propose through the config\'s execution.safe Safe), solana or squads (propose through execution.squads)', executorArg, 'paper')
  .option('--live', 'with --executor evm and execution.evm.mode live: sign and send transactions')
  .action(async (o) => {
    if (feedOf(o) === 'live') {
      const { runLiveCommand } = await import('./commands/run-live.js');
      process.exitCode = await runLiveCommand({ ...o, once: true }, out);
    } else process.exitCode = await runCommand({ ...o, once: true }, out);
  });

withCommon(program.command('record').description('sample every configured live source (on a schedule) and append the readings to the journal'))
  .option('--cron <expr>', 'node-cron schedule; without it, take --samples samples back to back', cronArg)
  .option('--samples <n>', 'stop after n samples', positiveInt)
  .action(async (o) => {
    const { recordCommand } = await import('./commands/run-live.js');
    process.exitCode = await recordCommand(o, out);
  });

program
  .command('serve')
  .description('run a fleet of vaults in one process with Prometheus /metrics, /healthz, /readyz, /api/vaults and a status page (127.0.0.1 by default)')
  .requiredOption('--fleet <file>', 'fleet file (YAML): vaults with their config, journal, schedule, feed and executor')
  .option('--host <address>', 'listen address (default: the fleet file\'s http.host, 127.0.0.1); another than loopback needs http.token')
  .option('--port <n>', 'listen port (default: the fleet file\'s http.port; 0 = any free port)', int)
  .option('--log-level <level>', 'pino log level on stderr', process.env.RESTAKE_KEEPER_LOG ?? 'warn')
  .option('--fresh', 'start the fleet\'s new journals on purpose even where the vault index knows another journal of the vault')
  .action(async (o) => {
    const { serveCommand } = await import('./commands/serve.js');
    process.exitCode = await serveCommand({ fleet: o.fleet, host: o.host, port: o.port, log: makeLogger(o.logLevel), fresh: o.fresh === true }, out);
  });

program
  .command('backtest')
  .description('replay recorded history through the keeper\'s decision path: strategies side by side with the chase-APY baseline, the buy-and-hold benchmarks (unconstrained and in limits) and the foresight ceiling; writes an HTML report and the series')
  .option('-c, --config <file>', 'vault config (YAML)', defaultVaultPath())
  .option('-s, --strategy <name>', 'strategy to run (repeat to compare; the first is primary)', collect, [])
  .option('-p, --param <key=value>', 'override a parameter of the first strategy (repeatable)', collect, [])
  .option('--from <time>', 'start (ISO-8601)', timeArg)
  .option('--to <time>', 'end (ISO-8601)', timeArg)
  .option('-o, --out <dir>', 'output directory (default var/backtests/<vault>-<time>)')
  .option('--lookahead <n>', 'lookahead-check cut-offs per strategy (0 = off)', int, 3)
  .option('--no-baselines', 'do not add the chase-apy baseline')
  .option('--log-level <level>', 'pino log level on stderr', logLevelArg, 'warn')
  .action(async (o) => {
    // Loaded on demand: the report and sweep machinery is not needed by the keeper's own commands.
    const { backtestCommand } = await import('./commands/backtest.js');
    process.exitCode = await backtestCommand({ ...o, strategies: o.strategy }, out);
  });

program
  .command('sweep')
  .description('sweep a strategy\'s parameters over a grid on every core and rank them walk-forward, on held-out windows')
  .option('-c, --config <file>', 'vault config (YAML)', defaultVaultPath())
  .option('-s, --strategy <name>', 'strategy (default: the config\'s)')
  .requiredOption('-g, --grid <key=values>', 'an axis: key=a,b,c or key=start:stop:step (repeat for more axes)', collect, [])
  .option('--folds <n>', 'walk-forward folds', positiveInt, 4)
  .option('--workers <n>', 'worker threads (default: every core)', positiveInt)
  .option('--step <duration>', 'decision step (default: the config\'s)', durationArg)
  .option('--from <time>', 'start (ISO-8601)', timeArg)
  .option('--to <time>', 'end (ISO-8601)', timeArg)
  .option('-o, --out <dir>', 'output directory (default var/sweeps/…)')
  .action(async (o) => {
    const { sweepCommand } = await import('./commands/sweep.js');
    process.exitCode = await sweepCommand(o, out);
  });

program
  .command('export')
  .description('write the readings journaled for a vault (recorder samples, live cycles) in the recorded-history format')
  .option('-c, --config <file>', 'vault config (for the journal path, vault name and units)', defaultVaultPath())
  .option('-j, --journal <file>', 'journal path')
  .option('--from <time>', 'first reading (ISO-8601)', timeArg)
  .option('--to <time>', 'last reading (ISO-8601)', timeArg)
  .requiredOption('-o, --out <file>', 'history CSV to write')
  .action(async (o) => {
    const v = loadVault(o.config);
    const { exportHistoryCommand } = await import('./commands/export-history.js');
    process.exitCode = exportHistoryCommand({ journal: o.journal ?? v.paths.journal, vault: v.config.name, chain: v.config.chain, baseAsset: v.config.baseAsset, from: o.from, to: o.to, out: o.out }, out);
  });

program
  .command('report')
  .description('the report a backtest writes (run identity, P&L and costs in parts, monthly returns, rolling APY against the benchmark, queued capital, binding limits, NAV, allocation, risk) from a paper or live journal, as one offline HTML file')
  .option('-c, --config <file>', 'vault config', defaultVaultPath())
  .option('-j, --journal <file>', 'journal path (default: the config\'s)')
  .option('-o, --out <file>', 'HTML file to write (default var/reports/<vault>-<time>.html)')
  .action(async (o) => {
    const { reportCommand } = await import('./commands/report.js');
    process.exitCode = reportCommand(o, out);
  });

program
  .command('validate-config')
  .argument('<file>', 'vault config to check')
  .description('check a vault config, its registry and its strategy params; print every problem')
  .action(async (file: string) => {
    process.exitCode = await validateConfigCommand(file, out);
  });

program
  .command('config-schema')
  .description('print the JSON Schema of the vault config (or the registry) for editors')
  .option('--registry', 'the asset registry schema instead of the vault schema')
  .option('-o, --out <file>', 'write to a file')
  .action((o: { registry?: boolean; out?: string }) => {
    process.exitCode = configSchemaCommand({ kind: o.registry ? 'registry' : 'vault', out: o.out }, out);
  });

withCommon(program.command('assets').description('the scored universe at a point in recorded time: yields, expected loss by layer, exit cost and delay, eligibility and why'))
  .option('--at <time>', 'point in recorded time (default: start of the window)', timeArg)
  .option('--json', 'machine-readable output')
  .action(async (o) => {
    process.exitCode = await assetsCommand(o, out);
  });

program
  .command('strategies')
  .description('list the strategies in strategies/ with their descriptions')
  .action(async () => {
    for (const name of listStrategies()) {
      const s = await loadStrategy(name);
      out(`${name}\t${s.description}`);
    }
  });

const journal = program.command('journal').description('read the journal: cycles, one cycle in full, events, CSV export');
const jopts = (c: Command) => c.option('-c, --config <file>', 'vault config (for the journal path)', defaultVaultPath()).option('-j, --journal <file>', 'journal path').option('--json', 'one JSON object per line, exact amounts in base units (for scripts)');
jopts(journal.command('cycles').description('list cycles, newest first'))
  .option('--limit <n>', 'rows', int, 50)
  .option('--offset <n>', 'skip rows', int, 0)
  .action((o) => {
    const j = journalPathFor(o.config, o.journal);
    process.exitCode = journalCyclesCommand(j.path, { limit: o.limit, offset: o.offset, units: j.units, json: o.json }, out);
  });
jopts(journal.command('show').argument('<cycle>', 'cycle id', int).description('one cycle: observations, scores with breakdown, decision, actions with status history, events'))
  .action((cycle: number, o) => {
    const j = journalPathFor(o.config, o.journal);
    process.exitCode = journalShowCommand(j.path, cycle, { units: j.units, json: o.json }, out);
  });
jopts(journal.command('events').description('events, newest first'))
  .option('--kind <kind>', 'exact kind, e.g. breaker:depeg')
  .option('--severity <s>', 'info | warn | critical', oneOf(['info', 'warn', 'critical'] as const))
  .option('--limit <n>', 'rows', int, 200)
  .action((o) => {
    const j = journalPathFor(o.config, o.journal);
    process.exitCode = journalEventsCommand(j.path, o, out);
  });
jopts(journal.command('export').argument('<table>', 'table name').description('export a journal table as CSV'))
  .option('-o, --out <file>', 'output file (default stdout)')
  .action(async (table: string, o) => {
    const j = journalPathFor(o.config, o.journal);
    process.exitCode = await journalExportCommand(j.path, table, { out: o.out }, out);
  });

const evm = program.command('evm').description('operator controls for the EVM executor: what is halted or in flight, cancel a stuck transaction, resume a halted vault');
const eopts = (c: Command) => c.option('-c, --config <file>', 'vault config', defaultVaultPath()).option('-j, --journal <file>', 'journal path (default: the config\'s)');
// The EVM operator commands load viem and the execution pipeline on demand, like every chain command.
const evmOperator = () => import('./commands/evm-operator.js');
eopts(evm.command('status').description('the halt in force, if any, and every transaction still in flight')).action(async (o) => {
  process.exitCode = (await evmOperator()).evmStatusCommand(o, out);
});
eopts(evm.command('cancel').description('replace what is in flight at a nonce with a 0-value self-transfer at bumped fees, then reconcile'))
  .requiredOption('--nonce <n>', 'the stuck nonce (see evm status)', int)
  .option('--live', 'required: this signs and sends')
  .option('--log-level <level>', 'pino log level on stderr', logLevelArg, 'warn')
  .action(async (o) => {
    process.exitCode = await (await evmOperator()).evmCancelCommand({ ...o, log: makeLogger(o.logLevel) }, out);
  });
eopts(evm.command('resume').description('lift a halt (after a reconciliation mismatch, an outside nonce use or a stuck transaction) once understood'))
  .option('--note <text>', 'why it is safe to resume (journaled)')
  .action(async (o) => {
    process.exitCode = (await evmOperator()).evmResumeCommand(o, out);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const r = reportError(e);
  if (r.text) process.stderr.write(`${r.text}\n`);
  process.exitCode = r.exitCode;
}
