import { describe, expect, it } from 'vitest';
import riskAdjusted from '../strategies/risk-adjusted.js';
import { ConfigError } from '../src/errors.js';
import { buildParamGrid, cartesian, expandRange, parseGrid, parseGridAxis } from '../src/backtest/param-grid.js';
import { thrown } from './support/thrown.js';

const configError = (f: () => unknown): ConfigError => thrown(ConfigError, f);

describe('grid axis specs', () => {
  it('reads a comma list as JSON values, else strings', () => {
    expect(parseGridAxis('riskAversion=0.5,1,2')).toEqual({ key: 'riskAversion', values: [0.5, 1, 2] });
    expect(parseGridAxis('flag=true,false').values).toEqual([true, false]);
    expect(parseGridAxis('mode=fast, slow').values).toEqual(['fast', 'slow']);
    expect(parseGridAxis('slices=6').values).toEqual([6]);
  });

  it('expands start:stop:step inclusively and without floating-point residue', () => {
    expect(parseGridAxis('turnoverPenalty=0:0.004:0.002').values).toEqual([0, 0.002, 0.004]);
    expect(expandRange('x', '0:0.3:0.1')).toEqual([0, 0.1, 0.2, 0.3]);
    expect(expandRange('x', '0.1:0.7:0.2')).toEqual([0.1, 0.3, 0.5, 0.7]);
    expect(expandRange('x', '1:10:3')).toEqual([1, 4, 7, 10]);
    expect(expandRange('x', '1:9:3')).toEqual([1, 4, 7]); // stop off the grid is not overshot
    expect(expandRange('x', '0:3e-3:1e-3')).toEqual([0, 0.001, 0.002, 0.003]);
    expect(expandRange('x', '-0.2:0.2:0.1')).toEqual([-0.2, -0.1, 0, 0.1, 0.2]);
    expect(expandRange('x', '2:2:1')).toEqual([2]);
  });

  it('refuses malformed specs, naming the key and the text', () => {
    for (const [spec, key] of [
      ['riskAversion', '--grid'],
      ['=1,2', '--grid'],
      ['riskAversion=', 'riskAversion'],
      ['riskAversion=1,,2', 'riskAversion'],
      ['riskAversion=0:1', 'riskAversion'],
      ['riskAversion=1:0:0.5', 'riskAversion'],
      ['riskAversion=0:1:0', 'riskAversion'],
      ['riskAversion=0:1:-0.5', 'riskAversion'],
      ['riskAversion=0:x:1', 'riskAversion'],
      ['riskAversion=0:1e9:1e-9', 'riskAversion'],
    ] as const) {
      const e = configError(() => parseGridAxis(spec));
      expect(e.issues[0]?.where, spec).toContain(key);
      expect(e.message, spec).toContain(spec === 'riskAversion' || spec === '=1,2' ? spec : spec.slice(spec.indexOf('=') + 1));
    }
  });

  it('refuses a key swept twice and an empty grid', () => {
    expect(configError(() => parseGrid(['riskAversion=1', 'riskAversion=2'])).message).toContain('riskAversion');
    configError(() => parseGrid([]));
  });

  it('drops duplicate values', () => {
    expect(parseGridAxis('riskAversion=1,1.0,2').values).toEqual([1, 2]);
  });
});

describe('cartesian product', () => {
  it('is in nested-loop order, last axis fastest', () => {
    const axes = parseGrid(['a=1,2', 'b=x,y,z']);
    expect(cartesian(axes)).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
    ]);
  });
});

describe('buildParamGrid', () => {
  it('validates every combination with the strategy schema, filling defaults and keeping the base', () => {
    const combos = buildParamGrid(riskAdjusted, ['riskAversion=0.5,1,2', 'turnoverPenalty=0:0.004:0.002'], { riskAversion: 1, slices: 4 });
    expect(combos).toHaveLength(9);
    expect(combos.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(combos[0]).toEqual({ index: 0, swept: { riskAversion: 0.5, turnoverPenalty: 0 }, params: { riskAversion: 0.5, slices: 4, turnoverPenalty: 0 }, label: 'riskAversion=0.5 turnoverPenalty=0' });
    expect(combos[8]?.params).toEqual({ riskAversion: 2, slices: 4, turnoverPenalty: 0.004 });
    // Same specs, same order.
    expect(buildParamGrid(riskAdjusted, ['riskAversion=0.5,1,2', 'turnoverPenalty=0:0.004:0.002'], { riskAversion: 1, slices: 4 })).toEqual(combos);
  });

  it('reports a bad value with its key and value, once', () => {
    const e = configError(() => buildParamGrid(riskAdjusted, ['riskAversion=1,-3', 'slices=2,6']));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.where).toContain('riskAversion');
    expect(e.issues[0]?.value).toBe(-3);
    expect(e.message).toMatch(/riskAversion: got -3/);
  });

  it('reports every bad value of every axis', () => {
    const e = configError(() => buildParamGrid(riskAdjusted, ['riskAversion=1,200', 'slices=1.5,6']));
    const got = e.issues.map((i) => [i.where.split('.').pop(), i.value]);
    expect(got).toEqual(expect.arrayContaining([['riskAversion', 200], ['slices', 1.5]]));
    expect(e.issues).toHaveLength(2);
  });

  it('refuses a param the strategy does not have', () => {
    const e = configError(() => buildParamGrid(riskAdjusted, ['riskAversion=1', 'lambda=1,2']));
    expect(e.issues.map((i) => [i.where, i.value])).toEqual([
      ['--grid strategy.params.lambda', 1],
      ['--grid strategy.params.lambda', 2],
    ]);
    expect(e.message).toContain('lambda');
  });
});
