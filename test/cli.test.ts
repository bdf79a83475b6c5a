import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, tempDir } from './support/cli.js';

const VAULT = join(ROOT, 'config/vaults/eth-restaking.yaml');

/** A copy of the default vault config with some lines replaced, written next to the real one's paths. */
function vaultVariant(dir: string, edit: (yaml: string) => string, name = 'vault.yaml'): string {
  const text = readFileSync(VAULT, 'utf8')
    .replace('registry: ../assets/ethereum.yaml', `registry: ${join(ROOT, 'config/assets/ethereum.yaml')}`)
    .replace('history: ../../history/ethereum.csv', `history: ${join(ROOT, 'history/ethereum.csv')}`)
    .replace('journal: ../../var/eth-restaking.sqlite', `journal: ${join(dir, 'journal.sqlite')}`);
  const file = join(dir, name);
  writeFileSync(file, edit(text));
  return file;
}

describe('validate-config', () => {
  it('accepts the bundled configs', () => {
    for (const f of ['config/vaults/eth-restaking.yaml', 'config/vaults/sol-staking.yaml']) {
      const r = cli(['validate-config', f]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/valid/);
    }
  });

  it('prints every problem with its path, line, bad value and expectation', () => {
    const dir = tempDir();
    const file = vaultVariant(dir, (y) =>
      y
        .replace('maxWeightPerAsset: 0.5', 'maxWeightPerAsset: 50')
        .replace('chain: ethereum', 'chain: ethereum\nsurprise: true')
        .replace('universe: [ETH,', 'universe: [ETH, notAnAsset,')
        .replace('deadBand: 0.02', 'deadBand: "two"'),
    );
    const r = cli(['validate-config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/limits\.maxWeightPerAsset: got 50, expected .*1/);
    expect(r.stdout).toMatch(/planner\.deadBand: got "two", expected .*number/);
    expect(r.stdout).toMatch(/surprise/);
    // Line numbers point into the file.
    expect(r.stdout).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ limits\\.maxWeightPerAsset`));
  });

  it('cross-checks the vault against its registry', () => {
    const dir = tempDir();
    const file = vaultVariant(dir, (y) => y.replace('universe: [ETH,', 'universe: [ETH, notAnAsset,'));
    const r = cli(['validate-config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/universe\.1: got "notAnAsset", expected an asset in the registry/);
  });

  it('validates strategy params with the strategy\'s own schema', () => {
    const dir = tempDir();
    const file = vaultVariant(dir, (y) => y.replace('riskAversion: 1', 'riskAversion: -3'));
    const r = cli(['validate-config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/strategy\.params\.riskAversion: got -3/);
  });
});

describe('config-schema', () => {
  it('exports a JSON Schema of the vault config', () => {
    const r = cli(['config-schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(schema.$schema).toMatch(/json-schema/);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'chain', 'universe', 'limits', 'breakers', 'planner', 'strategy']));
    expect(Object.keys(schema.properties.limits?.properties ?? {})).toContain('maxWeightPerAsset');
  });
});

describe('run, once and journal', () => {
  it('runs paper cycles, journals them, and resumes with once', () => {
    const dir = tempDir();
    const journal = join(dir, 'j.sqlite');
    const r = cli(['run', '--journal', journal, '--max-cycles', '3']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /#\d+ NAV/.test(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^2024-06-12T00:00:00Z #1 NAV \d+\.\d{4} ETH \| target .*\| now .*\| actions \d+ \(\d+ filled\) \| breakers /);
    expect(r.stdout).toMatch(/── summary ──[\s\S]*net APY[\s\S]*journal +.*j\.sqlite/);
    expect(existsSync(journal)).toBe(true);

    const once = cli(['once', '--journal', journal]);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toMatch(/2024-06-15T00:00:00Z #4 NAV/);

    const cycles = cli(['journal', 'cycles', '--journal', journal]);
    expect(cycles.code).toBe(0);
    expect(cycles.stdout.split('\n').filter((l) => /\tcompleted\t/.test(l))).toHaveLength(4);

    const show = cli(['journal', 'show', '1', '--journal', journal]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/scores:/);
    expect(show.stdout).toMatch(/wstETH: eligible score/);
    expect(show.stdout).toMatch(/ezETH: NOT eligible/);
    expect(show.stdout).toMatch(/why not: no fair exchange rate recorded/);
    expect(show.stdout).toMatch(/decision \(risk-adjusted\)/);
    expect(show.stdout).toMatch(/planned → intent → confirmed/);

    const csv = join(dir, 'actions.csv');
    const exp = cli(['journal', 'export', 'actions', '--journal', journal, '--out', csv]);
    expect(exp.code, exp.stdout + exp.stderr).toBe(0);
    const rows = readFileSync(csv, 'utf8').trim().split(/\r?\n/);
    expect(rows[0]).toMatch(/kind/);
    expect(rows.length).toBeGreaterThan(1);

    const badTable = cli(['journal', 'export', 'sqlite_master', '--journal', journal]);
    expect(badTable.code).toBe(1);
    expect(badTable.stdout).toMatch(/unknown table "sqlite_master"/);
  });

  it('refuses to start on an invalid config and journals nothing', () => {
    const dir = tempDir();
    const file = vaultVariant(dir, (y) => y.replace('maxDepeg: 0.005', 'maxDepeg: 5'));
    const r = cli(['run', '--config', file, '--max-cycles', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid configuration/);
    expect(r.stderr).toMatch(/limits\.maxDepeg: got 5/);
    expect(existsSync(join(dir, 'journal.sqlite'))).toBe(false);
  });

  it('refuses bad recorded data, naming file, line and column, and keeps what was journaled', () => {
    const dir = tempDir();
    const good = cli(['run', '--config', vaultVariant(dir, (y) => y), '--max-cycles', '2']);
    expect(good.code, good.stderr).toBe(0);
    const history = readFileSync(join(ROOT, 'history/ethereum.csv'), 'utf8').split('\n');
    const idx = history.findIndex((l) => l.includes(',aave-v3-WETH,') && l.startsWith('2024-07'));
    const cols = (history[idx] as string).split(',');
    cols[10] = '2.5'; // apy_lending given in percent
    history[idx] = cols.join(',');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, history.join('\n'));
    const file = vaultVariant(dir, (y) => y.replace(`history: ${join(ROOT, 'history/ethereum.csv')}`, `history: ${bad}`), 'bad-vault.yaml');
    const r = cli(['run', '--config', file, '--max-cycles', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`bad.csv:${idx + 1}:apy_lending`);
    expect(r.stderr).toMatch(/percent/);
    const cycles = cli(['journal', 'cycles', '--config', file]);
    expect(cycles.stdout.split('\n').filter((l) => /\tcompleted\t/.test(l))).toHaveLength(2);
  });

  it('runs on a node-cron schedule, one recorded step per tick', () => {
    const dir = tempDir();
    const r = cli(['run', '--journal', join(dir, 'c.sqlite'), '--cron', '* * * * * *', '--max-cycles', '2'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /#\d+ NAV/.test(l));
    expect(lines.map((l) => l.slice(0, 20))).toEqual(['2024-06-12T00:00:00Z', '2024-06-13T00:00:00Z']);
  });

  it('--fresh keeps the previous journal aside instead of deleting it', () => {
    const dir = tempDir();
    const journal = join(dir, 'f.sqlite');
    expect(cli(['run', '--journal', journal, '--max-cycles', '1']).code).toBe(0);
    const again = cli(['run', '--journal', journal, '--max-cycles', '1', '--fresh']);
    expect(again.code, again.stderr).toBe(0);
    const aside = /kept the previous journal as (\S+)/.exec(again.stdout)?.[1];
    expect(aside && existsSync(aside)).toBe(true);
    expect(again.stdout).toMatch(/2024-06-12T00:00:00Z #1 NAV/);
  });
});

describe('assets', () => {
  it('prints the scored universe with yields, layers, exit cost and eligibility', () => {
    const r = cli(['assets', '--at', '2024-08-06T00:00:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/scored universe of eth-restaking at 2024-08-06T00:00:00Z/);
    expect(r.stdout).toMatch(/^weETH\tNO\t/m);
    expect(r.stdout).toMatch(/not eligible: trades 0\.5\d+ % below its fair rate/);
    expect(r.stdout).toMatch(/layer eigenlayer \(restaking-protocol\)/);
    expect(r.stdout).toMatch(/^wstETH\tyes\t/m);
  });
});
