import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aaveAprToApy, percentToFraction } from '../scripts/convert-recorded.js';
import { checkObservation } from '../src/domain/observation-check.js';
import type { Observation } from '../src/domain/observation.js';
import { DataError } from '../src/errors.js';
import {
  HISTORY_COLUMNS,
  HISTORY_HEADER,
  MAX_HISTORY_ISSUES,
  formatHistoryRow,
  parseHistory,
  parseHistoryNumber,
  parseHistoryTime,
  readHistoryFile,
} from '../src/sources/recorded/history-file.js';

const HISTORY_DIR = fileURLToPath(new URL('../history/', import.meta.url));
const T0 = Date.parse('2024-08-06T00:00:00Z');
const H = 3_600_000;

/** A valid row with the given columns overridden (by column name). */
function row(over: Partial<Record<(typeof HISTORY_COLUMNS)[number], string>> = {}): string {
  const base: Record<string, string> = {
    time: '2024-08-06T00:00:00Z',
    asset: 'weETH',
    source: 'etherfi-peg-hourly',
    fair_rate: '1.05',
    market_rate: '1.04',
  };
  return HISTORY_COLUMNS.map((c) => over[c] ?? base[c] ?? '').join(',');
}

/** Header + rows, each line ending in \n. Line numbers: header is line 1, rows start at line 2. */
function file(...rows: string[]): string {
  return [HISTORY_HEADER, ...rows].map((l) => `${l}\n`).join('');
}

function parseError(text: string, label = 'bad.csv'): DataError {
  try {
    parseHistory(text, label);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError, parse succeeded');
}

describe('format → parse round trip', () => {
  it('reads back exactly what formatHistoryRow wrote, leaving unrecorded fields absent', () => {
    const obs: Observation[] = [
      { time: T0, asset: 'aave-v3-WETH', source: 'aavescan-daily', ref: 'block:20466000', fairRate: 1, apyLending: 0.1 + 0.2, supplyIndex: 1.0270141051188761, tvlBase: 862184.1203476, exitLiquidityBase: 0 },
      { time: T0, asset: 'weETH', source: 'etherfi-apy-daily', apyBase: 0.0349, apyIncentives: 3.9678994729e-6 },
      { time: T0 + H, asset: 'JitoSOL', source: 'sol-stake-pool-rates', ref: 'epoch:650', fairRate: 1 / 3, marketRate: 5e-324 + 0.9, apyMev: -0.49, apyRestaking: 1, redemptionDelaySeconds: 172800 },
      { time: T0 + 2 * H, asset: 'x', source: 'y', tvlBase: 123456789012345.67, apyBase: 1e-7 },
    ];
    const text = file(...obs.map(formatHistoryRow));
    const back = parseHistory(text, 'rt.csv');
    expect(back).toStrictEqual(obs);
    expect(Object.keys(back[1] as object).sort()).toEqual(['apyBase', 'apyIncentives', 'asset', 'source', 'time']);
    expect('ref' in (back[1] as object)).toBe(false);
  });

  it('round-trips random valid observations bit for bit', () => {
    const value = fc.double({ min: 1e-9, max: 0.99, noNaN: true });
    const obsArb = fc.record(
      {
        asset: fc.constantFrom('wstETH', 'weETH', 'aave-v3-WETH', 'JitoSOL'),
        source: fc.constantFrom('a-src', 'b-src'),
        ref: fc.nat().map((n) => `block:${n}`),
        fairRate: fc.double({ min: 1e-6, max: 999_999, noNaN: true }),
        marketRate: fc.double({ min: 1e-6, max: 999_999, noNaN: true }),
        apyBase: value,
        apyLending: fc.double({ min: -0.5, max: 1, noNaN: true }),
        supplyIndex: fc.double({ min: 1e-300, max: 1e12, noNaN: true }),
        tvlBase: fc.double({ min: 0, max: 1e15, noNaN: true }),
      },
      { requiredKeys: ['asset', 'source'] },
    );
    fc.assert(
      fc.property(fc.array(obsArb, { minLength: 1, maxLength: 20 }), (list) => {
        // distinct times keep (time, asset, source) unique
        const obs = list.map((o, i) => ({ ...o, time: T0 + i * 1000 }) as Observation);
        expect(parseHistory(file(...obs.map(formatHistoryRow)), 'prop.csv')).toStrictEqual(obs);
      }),
      { numRuns: 300 },
    );
  });

  it('formatHistoryRow refuses what the reader would refuse', () => {
    const ok: Observation = { time: T0, asset: 'weETH', source: 's' };
    expect(() => formatHistoryRow({ ...ok, asset: 'we,ETH' })).toThrow(DataError);
    expect(() => formatHistoryRow({ ...ok, source: 'a "b"' })).toThrow(/source/);
    expect(() => formatHistoryRow({ ...ok, time: T0 + 1 })).toThrow(/whole seconds/);
    expect(() => formatHistoryRow({ ...ok, fairRate: Number.NaN })).toThrow(/fair_rate/);
    expect(formatHistoryRow(ok)).toBe('2024-08-06T00:00:00Z,weETH,s,,,,,,,,,,,,,,');
  });
});

describe('field parsers agree with the platform', () => {
  it('parseHistoryTime equals Date.parse on valid times and refuses impossible ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('1970-01-01T00:00:00Z') / 1000, max: Date.parse('2199-12-31T23:59:59Z') / 1000 }), (s) => {
        const iso = new Date(s * 1000).toISOString().replace('.000Z', 'Z');
        expect(parseHistoryTime(iso, 0, iso.length)).toBe(Date.parse(iso));
      }),
      { numRuns: 2000 },
    );
    for (const t of ['2024-02-29T12:00:00Z', '2000-02-29T00:00:00Z', '1999-12-31T23:59:59Z']) {
      expect(parseHistoryTime(t, 0, t.length)).toBe(Date.parse(t));
    }
    for (const bad of ['2023-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-04-31T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z', '2024-01-01T00:00:60Z', '2024-01-01 00:00:00Z', '2024-01-01T00:00:00+00', '2024-1-01T00:00:00Z0', '2024-01-01T00:00:00z']) {
      expect(parseHistoryTime(bad, 0, bad.length), bad).toBeNaN();
    }
  });

  it('parseHistoryNumber reads plain decimals exactly as Number() does', () => {
    const check = (s: string): void => {
      expect(Object.is(parseHistoryNumber(`x${s},`, 1, s.length + 1), Number(s)), s).toBe(true);
    };
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 }), (v, digits) => {
        check(String(v));
        if (Math.abs(v) < 1e21) check(v.toFixed(digits));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^-?\d{1,19}(\.\d{0,23})?$/), (s) => check(s)),
      { numRuns: 5000 },
    );
    for (const s of ['0', '-0', '1.', '.5', '+1', '9007199254740991', '9007199254740993', '0.1', '1.0381946977473997', '3.9678994729e-06', '1e21', '12345678901234567890.5']) check(s);
    for (const bad of ['0x10', 'Infinity', '-Infinity', 'NaN', ' 1', '1 ', '1_000', '1,5', '-', '.', 'e5', '1e']) {
      expect(parseHistoryNumber(`${bad}`, 0, bad.length), bad).toBeNaN();
    }
  });
});

describe('bundled history', () => {
  const eth = readHistoryFile(join(HISTORY_DIR, 'ethereum.csv'));
  const sol = readHistoryFile(join(HISTORY_DIR, 'solana.csv'));
  const pick = (list: Observation[], asset: string, source?: string): Observation[] =>
    list.filter((o) => o.asset === asset && (source === undefined || o.source === source));

  it('starts with a format/units comment that points to PROVENANCE.md', () => {
    for (const f of ['ethereum.csv', 'solana.csv']) {
      const head = readFileSync(join(HISTORY_DIR, f), 'utf8').split('\n', 5);
      expect(head[0]).toMatch(/^# .*format version 2.*PROVENANCE\.md/);
      expect(head.filter((l) => l.startsWith('#')).join(' ')).toMatch(/annual fractions/);
      expect(head.find((l) => !l.startsWith('#'))).toBe(HISTORY_HEADER);
    }
  });

  it('holds the expected assets and sources', () => {
    const pairs = (list: Observation[]): string[] => [...new Set(list.map((o) => `${o.asset}/${o.source}`))].sort();
    expect(pairs(eth)).toEqual([
      'aave-v3-WETH/aavescan-daily',
      'aave-v3-weETH/aavescan-daily',
      'aave-v3-wstETH/aavescan-daily',
      'weETH/etherfi-apy-daily',
      'weETH/etherfi-peg-hourly',
      'wstETH/lido-peg-hourly',
    ]);
    expect(pairs(sol)).toEqual([
      'JitoSOL/sol-stake-pool-rates',
      'JitoSOL/stake-pool-delegated-stake',
      'bSOL/sol-stake-pool-rates',
      'bSOL/stake-pool-delegated-stake',
      'jupSOL/sol-stake-pool-rates',
      'jupSOL/stake-pool-delegated-stake',
      'mSOL/sol-stake-pool-rates',
      'mSOL/stake-pool-delegated-stake',
      'sSOL/sol-stake-pool-rates',
      'sSOL/stake-pool-delegated-stake',
    ]);
    expect(eth.length).toBeGreaterThan(26_000);
    expect(sol.length).toBeGreaterThan(2_000);
  });

  it('has plausible Ethereum values', () => {
    const wst = pick(eth, 'wstETH');
    expect(wst.length).toBeGreaterThan(12_000);
    for (const o of wst) {
      expect(o.fairRate).toBeGreaterThan(1.1);
      expect(o.fairRate).toBeLessThan(1.3);
      expect(Math.abs((o.marketRate as number) / (o.fairRate as number) - 1)).toBeLessThan(0.005);
    }
    const weth = pick(eth, 'aave-v3-WETH');
    expect(weth).toHaveLength(638);
    for (const o of weth) {
      expect(o.fairRate).toBe(1);
      expect(o.apyLending).toBeGreaterThan(0);
      expect(o.apyLending).toBeLessThan(0.3);
      expect(o.ref).toMatch(/^block:\d+$/);
      expect(o.exitLiquidityBase).toBeLessThanOrEqual(o.tvlBase as number);
    }
    // the 2024-07-05 borrow spike: supply APY well above the usual 1-3 %
    const spike = weth.find((o) => o.time === Date.parse('2024-07-05T00:00:00Z'));
    expect(spike?.apyLending).toBeGreaterThan(0.15);
    // Aave wstETH fair rate (oracle ratio) tracks the hourly wstETH fair rate of the same day
    const aaveWst = pick(eth, 'aave-v3-wstETH').find((o) => o.time === Date.parse('2025-01-01T00:00:00Z'));
    const hourlyWst = wst.find((o) => o.time === Date.parse('2025-01-01T00:00:00Z'));
    expect(Math.abs((aaveWst?.fairRate as number) / (hourlyWst?.fairRate as number) - 1)).toBeLessThan(0.002);
  });

  it('records the weETH discount of the August 2024 crash (≈ −0.52 % on 2024-08-06)', () => {
    let worst: Observation | undefined;
    let worstPremium = Infinity;
    for (const o of pick(eth, 'weETH', 'etherfi-peg-hourly')) {
      const p = (o.marketRate as number) / (o.fairRate as number) - 1;
      if (p < worstPremium) {
        worstPremium = p;
        worst = o;
      }
    }
    expect(worstPremium).toBeCloseTo(-0.0052, 4);
    expect(new Date(worst?.time as number).toISOString().slice(0, 10)).toBe('2024-08-06');
  });

  it('has eETH APYs as fractions, with the 0.00 glitch days left unrecorded', () => {
    const apy = pick(eth, 'weETH', 'etherfi-apy-daily');
    for (const o of apy) if (o.apyBase !== undefined) expect(o.apyBase).toBeGreaterThan(0.001);
    for (const o of apy) if (o.apyBase !== undefined) expect(o.apyBase).toBeLessThan(0.1);
    const glitch = apy.find((o) => o.time === Date.parse('2025-01-15T00:00:00Z'));
    expect(glitch).toBeDefined();
    expect(glitch?.apyBase).toBeUndefined();
    expect(glitch?.apyIncentives).toBe(0.01);
    expect(apy.find((o) => o.time === Date.parse('2024-06-05T00:00:00Z'))?.apyBase).toBe(0.0349);
  });

  it('has plausible Solana values and no Solana market price', () => {
    for (const o of sol) expect(o.marketRate).toBeUndefined();
    for (const a of ['JitoSOL', 'mSOL', 'bSOL', 'jupSOL', 'sSOL']) {
      const rates = pick(sol, a, 'sol-stake-pool-rates');
      expect(rates.length, a).toBeGreaterThan(150);
      let prev = 0;
      for (const o of rates) {
        expect(o.fairRate, a).toBeGreaterThan(1);
        expect(o.fairRate, a).toBeLessThan(1.4);
        expect(o.fairRate as number, a).toBeGreaterThanOrEqual(prev); // redemption rates never fall
        prev = o.fairRate as number;
        expect(o.ref).toMatch(/^epoch:\d+$/);
      }
      const tvl = pick(sol, a, 'stake-pool-delegated-stake');
      expect(tvl.length, a).toBeGreaterThan(100);
      for (const o of tvl) expect(o.tvlBase, a).toBeGreaterThan(10_000);
    }
    const jito = pick(sol, 'JitoSOL', 'stake-pool-delegated-stake');
    expect(Math.max(...jito.map((o) => o.tvlBase as number))).toBeGreaterThan(14e6);
  });
});

describe('bad input is refused with file, line, column and value', () => {
  const cases: { name: string; text: string; where: string; value: string; message: RegExp }[] = [
    { name: 'percent APY', text: file(row(), row({ time: '2024-08-06T01:00:00Z', apy_base: '3.49' })), where: 'bad.csv:3:apy_base', value: '3.49', message: /looks like a percent.*0\.0349/ },
    { name: 'NaN', text: file(row({ market_rate: 'NaN' })), where: 'bad.csv:2:market_rate', value: 'NaN', message: /finite decimal number/ },
    { name: 'Infinity', text: file(row({ tvl_base: 'Infinity' })), where: 'bad.csv:2:tvl_base', value: 'Infinity', message: /finite decimal number/ },
    { name: 'hex', text: file(row({ tvl_base: '0x10' })), where: 'bad.csv:2:tvl_base', value: '0x10', message: /decimal/ },
    { name: 'padded number', text: file(row({ fair_rate: ' 1.05' })), where: 'bad.csv:2:fair_rate', value: ' 1.05', message: /decimal/ },
    { name: 'negative price', text: file(row({ fair_rate: '-1.05' })), where: 'bad.csv:2:fair_rate', value: '-1.05', message: /positive rate/ },
    { name: 'negative TVL', text: file(row({ tvl_base: '-3' })), where: 'bad.csv:2:tvl_base', value: '-3', message: /non-negative/ },
    { name: 'zero supply index', text: file(row({ supply_index: '0' })), where: 'bad.csv:2:supply_index', value: '0', message: /positive index/ },
    {
      name: 'out-of-order time',
      text: file(row({ time: '2024-08-06T02:00:00Z' }), row({ time: '2024-08-06T01:00:00Z' })),
      where: 'bad.csv:3:time',
      value: '2024-08-06T01:00:00Z',
      message: /previous row's 2024-08-06T02:00:00Z \(line 2\)/,
    },
    {
      name: 'duplicate',
      text: file(row(), row({ asset: 'wstETH' }), row({ fair_rate: '1.06' })),
      where: 'bad.csv:4:time',
      value: '2024-08-06T00:00:00Z,weETH,etherfi-peg-hourly',
      message: /line 2 already has weETH from etherfi-peg-hourly/,
    },
    { name: 'bad time shape', text: file(row({ time: '2024-08-06 00:00:00' })), where: 'bad.csv:2:time', value: '2024-08-06 00:00:00', message: /YYYY-MM-DDTHH:MM:SSZ/ },
    { name: 'impossible date', text: file(row({ time: '2024-02-30T00:00:00Z' })), where: 'bad.csv:2:time', value: '2024-02-30T00:00:00Z', message: /ISO-8601/ },
    { name: 'empty asset', text: file(row({ asset: '' })), where: 'bad.csv:2:asset', value: '', message: /asset id/ },
    { name: 'quote in source', text: file(row({ source: '"x"' })), where: 'bad.csv:2:source', value: '"x"', message: /quotes/ },
    {
      name: 'bad header',
      text: file(row()).replace('fair_rate,market_rate', 'market_rate,fair_rate'),
      where: 'bad.csv:1:fair_rate',
      value: 'market_rate',
      message: /column 5 named "fair_rate"/,
    },
    { name: 'missing header', text: `# only a comment\n${row()}\n`, where: 'bad.csv:2:time', value: '2024-08-06T00:00:00Z', message: /header must be exactly/ },
    { name: 'too few columns', text: file(row(), 'a,b,c'), where: 'bad.csv:3:ref', value: 'a,b,c', message: /17 comma-separated columns; the line has 3/ },
    { name: 'too many columns', text: file(`${row()},1,2`), where: 'bad.csv:2:exit_size_base', value: `${row()},1,2`, message: /the line has 19/ },
    {
      name: 'truncated last line',
      text: `${HISTORY_HEADER}\n${row()}\n2024-08-06T01:00:00Z,weETH,etherfi-peg-hourly,,1.0`,
      where: 'bad.csv:3:market_rate',
      value: '2024-08-06T01:00:00Z,weETH,etherfi-peg-hourly,,1.0',
      message: /truncated/,
    },
    {
      name: 'last line cut inside its final field',
      text: `${HISTORY_HEADER}\n${row({ exit_impact: '0.001', exit_size_base: '1000' }).slice(0, -2)}`,
      where: 'bad.csv:2:exit_size_base',
      value: '10',
      message: /truncated/,
    },
    { name: 'CRLF', text: file(row()).replace(/\n/g, '\r\n'), where: 'bad.csv:1:line-ending', value: '\r\n', message: /\\n only/ },
  ];

  it('still reads a version-1 file (15 columns, no exit-quote columns)', () => {
    const v1 = `${HISTORY_COLUMNS.slice(0, 15).join(',')}\n${row().split(',').slice(0, 15).join(',')}\n`;
    const obs = parseHistory(v1, 'v1.csv');
    expect(obs).toHaveLength(1);
    expect(obs[0]?.fairRate).toBe(1.05);
    expect(obs[0]?.exitImpact).toBeUndefined();
  });

  it('reads the exit-quote columns and insists they come as a pair', () => {
    const ok = parseHistory(file(row({ exit_impact: '0.0021', exit_size_base: '1000' })), 'ok.csv');
    expect(ok[0]?.exitImpact).toBe(0.0021);
    expect(ok[0]?.exitSizeBase).toBe(1000);
    const half = parseError(file(row({ exit_impact: '0.0021' })));
    expect(half.issues[0]?.where).toBe('bad.csv:2:exit_size_base');
    const pct = parseError(file(row({ exit_impact: '2.1', exit_size_base: '1000' })));
    expect(pct.issues[0]?.expected).toMatch(/percent/);
  });

  for (const c of cases) {
    it(c.name, () => {
      const err = parseError(c.text);
      expect(err.file).toBe('bad.csv');
      const issue = err.issues.find((i) => i.where === c.where);
      expect(issue, `issues: ${err.message}`).toBeDefined();
      expect(issue?.value).toBe(c.value);
      expect(issue?.expected).toMatch(c.message);
      // the printed message names file, line, column and the raw value
      expect(err.message).toContain(`${c.where}: got ${JSON.stringify(c.value).slice(0, 77)}`);
    });
  }

  it('refuses a time one second earlier than the previous row, accepts an equal one', () => {
    const err = parseError(file(row({ time: '2024-08-06T00:00:01Z' }), row({ time: '2024-08-06T00:00:00Z' })));
    expect(err.issues.map((i) => i.where)).toEqual(['bad.csv:3:time']);
    expect(parseHistory(file(row(), row({ asset: 'wstETH' })), 'ok.csv')).toHaveLength(2);
  });

  it('keeps a comment line in the line count', () => {
    const err = parseError(`# units\n${HISTORY_HEADER}\n# note\n${row({ apy_mev: '7' })}\n`);
    expect(err.issues.map((i) => i.where)).toEqual(['bad.csv:4:apy_mev']);
  });

  it('readHistoryFile names the path in its error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    try {
      const path = join(dir, 'h.csv');
      writeFileSync(path, file(row({ apy_lending: '12.5' })));
      expect(() => readHistoryFile(path)).toThrow(`${path}:2:apy_lending: got "12.5"`);
      expect(() => readHistoryFile(join(dir, 'missing.csv'))).toThrow(DataError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('all problems are collected before throwing', () => {
  it('reports every bad value of every row in one error', () => {
    const text = file(
      row({ apy_base: '3.49', tvl_base: '-1' }), // line 2: two problems
      row({ time: '2024-08-06T01:00:00Z', market_rate: 'abc' }), // line 3
      row({ time: '2024-08-06T00:30:00Z' }), // line 4: out of order
      'short,row', // line 5
      row({ time: '2024-08-06T02:00:00Z', source: '' }), // line 6
    );
    const err = parseError(text);
    expect(err.issues.map((i) => i.where)).toEqual([
      'bad.csv:2:apy_base',
      'bad.csv:2:tvl_base',
      'bad.csv:3:market_rate',
      'bad.csv:4:time',
      'bad.csv:5:source',
      'bad.csv:6:source',
    ]);
  });

  it('does not report a column twice when a value is both unparseable and out of range', () => {
    const err = parseError(file(row({ fair_rate: 'x', asset: '', time: 'nope' })));
    expect(err.issues.map((i) => i.where)).toEqual(['bad.csv:2:time', 'bad.csv:2:asset', 'bad.csv:2:fair_rate']);
  });

  it(`lists at most ${MAX_HISTORY_ISSUES} and says how many more`, () => {
    const rows = Array.from({ length: 150 }, (_, i) => row({ time: new Date(T0 + i * 1000).toISOString().replace('.000Z', 'Z'), apy_mev: '5' }));
    const err = parseError(file(...rows));
    expect(err.issues).toHaveLength(MAX_HISTORY_ISSUES + 1);
    expect(err.issues[MAX_HISTORY_ISSUES - 1]?.where).toBe(`bad.csv:${MAX_HISTORY_ISSUES + 1}:apy_mev`);
    expect(err.issues[MAX_HISTORY_ISSUES]?.value).toBe(50);
  });

  it('refuses every observation checkObservation refuses (and nothing else)', () => {
    const anyValue = fc.oneof(
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.double({ min: -1e7, max: 1e7, noNaN: true }),
      fc.constantFrom(0, -0, 1, -0.5, 1e6, 5e-324),
    );
    const obsArb = fc.record(
      {
        fairRate: anyValue,
        marketRate: anyValue,
        apyBase: anyValue,
        apyMev: anyValue,
        apyRestaking: anyValue,
        apyIncentives: anyValue,
        apyLending: anyValue,
        supplyIndex: anyValue,
        tvlBase: anyValue,
        exitLiquidityBase: anyValue,
        redemptionDelaySeconds: anyValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(obsArb, (values) => {
        const o: Observation = { time: T0, asset: 'a', source: 's', ...values };
        const expected = checkObservation(o).length;
        let got = 0;
        try {
          parseHistory(file(formatHistoryRow(o)), 'p.csv');
        } catch (e) {
          if (!(e instanceof DataError)) throw e;
          got = e.issues.length;
        }
        expect(got).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('converter unit conversions', () => {
  it('turns percent strings into the nearest fraction, not a float-noise neighbour', () => {
    expect(percentToFraction('1.80', 't')).toBe(0.018); // 1.8 / 100 would be 0.018000000000000002
    expect(percentToFraction('3.49', 't')).toBe(0.0349);
    expect(percentToFraction('12.5', 't')).toBe(0.125);
    expect(percentToFraction('0.05', 't')).toBe(0.0005);
    expect(percentToFraction('-0.3', 't')).toBe(-0.003);
    expect(() => percentToFraction('3.49%', 't')).toThrow(/percent/);
  });

  it('compounds an Aave APR per second', () => {
    expect(aaveAprToApy(0)).toBe(0);
    const n = 31_536_000;
    const r = 0.0175708783840463;
    const apy = aaveAprToApy(r);
    // the naive (1 + r/n)^n − 1 agrees to its own rounding error (1 + r/n loses ~7 digits of r/n)
    expect(Math.abs(apy - ((1 + r / n) ** n - 1))).toBeLessThan(1e-8);
    // per-second compounding sits just below continuous compounding, by ≈ e^r · r²/(2n)
    const gap = Math.expm1(r) - apy;
    expect(gap).toBeGreaterThan(0);
    expect(Math.abs(gap - Math.exp(r) * (r * r) / (2 * n))).toBeLessThan(1e-14);
  });
});
