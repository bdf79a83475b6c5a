import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, cliRun, tempDir, type CliResult } from './support/cli.js';
import { writeVariant } from './support/vault-variant.js';

/** Every input gets one readable answer: no stack trace, a documented exit status, nothing written. */

const STACK = /^\s+at .+:\d+:\d+\)?$/m;
const clean = (r: CliResult) => {
  expect(r.stderr + r.stdout, 'a stack trace was printed').not.toMatch(STACK);
  expect(r.stderr + r.stdout).not.toMatch(/internal error/);
};

describe('flags are checked where they are read', () => {
  it('bad times, cron, feed, log level and counts exit 2 with one error naming the flag, before any file is written', async () => {
    const dir = tempDir('inputs-');
    const j = join(dir, 'j.sqlite');
    const cases: [string[], RegExp][] = [
      [['run', '--from', '2024-13-01'], /--from <time>.*month 13 does not exist/],
      [['run', '--from', 'yesterday'], /--from <time>.*not an ISO-8601 time: "yesterday"/],
      [['run', '--to', '2024-06-01T00:00:00'], /--to <time>.*has no time zone/],
      [['run', '--from', '2024-02-30'], /--from <time>.*2024-02 has 29 days/],
      [['once', '--at', '2023-02-29T00:00:00Z'], /--at <time>.*2023-02 has 28 days/],
      [['run', '--cron', 'bad cron'], /--cron <expr>.*not a cron expression/],
      [['record', '--cron', '61 * * * *'], /--cron <expr>.*not a cron expression/],
      [['run', '--feed', 'lve'], /--feed <feed>.*expected one of live, recorded \(did you mean live\?\)/],
      [['run', '--log-level', 'verbose'], /--log-level <level>.*expected one of fatal, error, warn, info, debug, trace, silent/],
      [['run', '--max-cycles', '0'], /--max-cycles <n>.*positive integer/],
      [['run', '--executor', 'evn'], /--executor <kind>.*did you mean evm/],
      [['sweep', '--grid', 'riskAversion=1,2', '--step', '0s'], /--step <duration>.*longer than zero/],
      [['run', '--frm', '2024-06-01'], /unknown option '--frm'/],
    ];
    const results = await Promise.all(cases.map(([args]) => cliRun([...args, '-j', j].filter((a, i, all) => !(a === '-j' && all[0] === 'sweep') && !(all[0] === 'sweep' && a === j)))));
    results.forEach((r, i) => {
      const [args, re] = cases[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error:')).length).toBe(1);
      clean(r);
    });
    expect(readdirSync(dir), 'no journal or lease file was created').toEqual([]);
  });

  it('--version prints the package version', async () => {
    const r = await cliRun(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0\.\d+\.\d+( \([0-9a-f]{12}\))?\n$/);
  });

  it('output piped into head ends quietly (EPIPE), exit 0, no stack', () => {
    const dir = tempDir('inputs-');
    const r = spawnSync('bash', ['-c', `set -o pipefail; node ${CLI} run -j ${join(dir, 'p.sqlite')} --max-cycles 40 | head -1; echo "node=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/node=0/);
    clean({ code: r.status, stdout: r.stdout, stderr: r.stderr });
  });
});

describe('configs that cannot be meant are refused, with positions, plain words and suggestions', () => {
  it('validate-config and run agree (exit 2) and list every problem as file:line:col', async () => {
    const dir = tempDir('inputs-');
    const file = writeVariant(dir, (y) =>
      y
        .replace('maxWeightPerAsset: 0.5', 'maxWeightPerAset: 0.5')
        .replace('maxDepeg: 0.005', 'maxDepeg: 5')
        .replace('step: 1d', 'step: 0s')
        .replace('weETH, ezETH', 'weETh, ezETH')
        .replace('action: exclude', 'action: exlude')
        .replace('from: "2024-06-12T00:00:00Z"', 'from: "2024-02-30"')
        .replace('name: risk-adjusted', 'name: risk-adjustd'),
    );
    const [v, run] = await Promise.all([cliRun(['validate-config', file]), cliRun(['run', '-c', file])]);
    expect(v.code).toBe(2);
    expect(run.code).toBe(2);
    clean(v);
    clean(run);
    const at = (line: number, path: string) => new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+ ${path.replace(/\./g, '\\.')}`);
    const lines = v.stdout;
    expect(lines).toMatch(/7 problems/);
    expect(lines).toMatch(/limits\.maxWeightPerAset: unknown key "maxWeightPerAset" \(did you mean maxWeightPerAsset\?\)/);
    expect(lines).toMatch(/limits\.maxDepeg: got 5, expected a number ≤ 1/);
    expect(lines).toMatch(/schedule\.step: got "0s", expected a duration longer than zero/);
    expect(lines).toMatch(/universe\.2: got "weETh", expected an asset in the registry \(did you mean weETH\?\)/);
    expect(lines).toMatch(/breakers\.staleData\.action: got "exlude", expected one of halt, derisk, exclude \(did you mean exclude\?\)/);
    expect(lines).toMatch(/schedule\.from: got "2024-02-30", expected .*2024-02 has 29 days/);
    expect(lines).toMatch(/strategy\.name: got "risk-adjustd", expected a strategy in strategies\/ \(did you mean risk-adjusted\?\)/);
    const universeLine = 1 + readLines(file).findIndex((l) => l.startsWith('universe:'));
    expect(lines).toMatch(at(universeLine, 'universe.2'));
    expect(lines).not.toMatch(/Invalid input|Too big|Unrecognized key/);
    expect(run.stderr).toMatch(/invalid configuration/);
    expect(existsSync(join(dir, 'journal.sqlite'))).toBe(false);
  });

  it('strategy params are positioned in the file; a --param problem is blamed on the flag', async () => {
    const dir = tempDir('inputs-');
    const file = writeVariant(dir, (y) => y.replace('riskAversion: 1', 'riskAversion: -3\n    slicez: 2'));
    const v = await cliRun(['validate-config', file]);
    expect(v.code).toBe(2);
    const paramsLine = 1 + readLines(file).findIndex((l) => l.includes('riskAversion: -3'));
    expect(v.stdout).toMatch(new RegExp(`:${paramsLine}:\\d+ strategy\\.params\\.riskAversion: got -3, expected a number ≥ 0`));
    expect(v.stdout).toMatch(/strategy\.params\.slicez: unknown key "slicez" \(did you mean slices\?\)/);
    const ok = writeVariant(dir, (y) => y, 'ok.yaml');
    const flag = await cliRun(['run', '-c', ok, '--param', 'riskAversion=-1', '--param', 'slics=3', '--max-cycles', '1']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--param riskAversion=-1: got -1, expected a number ≥ 0/);
    expect(flag.stderr).toMatch(/--param slics=3: got "slics", expected a parameter of risk-adjusted \(did you mean slices\?\)/);
    expect(flag.stderr).not.toMatch(/ok\.yaml:\d+/);
    clean(flag);
  });

  it('a YAML alias bomb is refused without expanding it', async () => {
    const dir = tempDir('inputs-');
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    let prev = 'a';
    for (const k of 'bcdefghij') {
      lines.push(`${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`);
      prev = k;
    }
    const file = join(dir, 'bomb.yaml');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const [v, run] = await Promise.all([cliRun(['validate-config', file]), cliRun(['run', '-c', file])]);
    for (const r of [v, run]) {
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/refused: Excessive alias count/);
      clean(r);
    }
  });

  it('a config cut short gets conservative safety limits, never permissive ones, and validate-config lists them', async () => {
    const dir = tempDir('inputs-');
    const full = writeVariant(dir);
    const text = readLines(full);
    const cut = text.slice(0, text.findIndex((l) => l.startsWith('limits:')) + 2).join('\n'); // limits: + its first line
    const file = join(dir, 'cut.yaml');
    writeFileSync(file, `${cut}\n`);
    const v = await cliRun(['validate-config', file]);
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/defaults applied \(not written in the file; conservative values\)/);
    expect(v.stdout).toMatch(/limits\.maxExpectedLoss = 0\.004/);
    expect(v.stdout).toMatch(/limits\.maxLossProbability = 0\.2/);
    expect(v.stdout).toMatch(/breakers\.depeg\.maxDiscount = 0\.005/);
    // nothing that bounds risk defaults to "anything goes" (underlying 1 is the only sensible cap in a one-asset vault)
    expect(v.stdout.split('\n').filter((l) => / = 1$/.test(l) && !/underlying/.test(l))).toEqual([]);
    // cut in the middle of a key: refused, with a suggestion
    const mid = join(dir, 'mid.yaml');
    writeFileSync(mid, `${cut}\n  maxWeightPerGr:`);
    const m = await cliRun(['validate-config', mid]);
    expect(m.code).toBe(2);
    expect(m.stdout).toMatch(/unknown key "maxWeightPerGr" \(did you mean maxWeightPerGroup\?\)/);
    writeFileSync(mid, `${cut}\n  maxWeightPerGr`);
    const y = await cliRun(['validate-config', mid]);
    expect(y.code).toBe(2);
    expect(y.stdout).toMatch(/mid\.yaml:\d+:\d+: not valid YAML/);
  });

  it('a private key pasted into a wrong field is never printed', async () => {
    const dir = tempDir('inputs-');
    const key = `0x${'4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'}`;
    const file = writeVariant(dir, (y) => y.replace('benchmark: wstETH', `benchmark: "${key}"`).replace('name: eth-restaking', `name: eth-restaking\nprivateKey: "${key}"`));
    const [v, run] = await Promise.all([cliRun(['validate-config', file]), cliRun(['run', '-c', file])]);
    for (const r of [v, run]) {
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).not.toContain(key.slice(2, 20));
      expect(r.stdout + r.stderr).toMatch(/\[redacted\]/);
    }
  });

  it('a 6 MB config of unknown keys is checked in one pass (no quadratic blow-up) and every problem is counted', async () => {
    const dir = tempDir('inputs-');
    const n = 300_000;
    const junk = Array.from({ length: n }, (_, i) => `junk${i}x: ${i}`).join('\n');
    const file = writeVariant(dir, (y) => `${y}\n${junk}\n`);
    const r = await cliRun(['validate-config', file], { timeoutMs: 110_000 });
    expect(r.code, 'validate-config did not finish').toBe(2);
    expect(r.stdout).toMatch(new RegExp(`: ${n} problems`));
    expect(r.stdout).toMatch(/… and 299800 more/);
  }, 120_000);
});

function readLines(file: string): string[] {
  return spawnSync('cat', [file], { encoding: 'utf8' }).stdout.split('\n');
}
