import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVault } from '../src/config/load-vault.js';
import { KeeperError } from '../src/errors.js';
import { parseHistory } from '../src/sources/recorded/history-file.js';
import { reportError } from '../src/cli/report-error.js';
import { checkStrategyParams, loadNamedStrategy } from '../src/cli/strategy-params.js';
import { ROOT, tempDir } from './support/cli.js';
import { vaultText } from './support/vault-variant.js';

/**
 * Mutation fuzz, in process: configs and histories changed the ways people and truncated copies change
 * them. Every input must get a typed answer (no error the CLI would print as "internal error"), none may
 * take long (a hang), and none that is certainly wrong may be accepted. A config that is accepted must carry
 * conservative safety limits wherever the file does not write them.
 */

const CONFIGS = 450;
const HISTORIES = 300;
const SLOW_MS = 5000;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Mutant {
  readonly kind: string;
  readonly text: string;
  /** true: certainly invalid, must be refused; false: may be accepted (then it must be safe). */
  readonly mustRefuse: boolean;
}

const CONSERVATIVE: Record<string, number> = { maxWeightPerAsset: 0.5, maxExpectedLoss: 0.004, maxLossProbability: 0.2, maxDepeg: 0.005, maxExitCost: 0.01, minLiquidWeight: 0.2 };

function mutateConfig(base: string, r: () => number): Mutant {
  const lines = base.split('\n');
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const valueLines = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*[A-Za-z][\w-]*:\s*\S/.test(l) && !l.trim().startsWith('#'));
  const [line, idx] = pick(valueLines);
  const key = /^\s*([\w-]+):/.exec(line)?.[1] ?? 'x';
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  const set = (text: string) => lines.map((l, i) => (i === idx ? text : l)).join('\n');
  const kinds = ['truncate', 'drop-line', 'typo-key', 'unknown-key', 'bad-number', 'bad-type', 'zero-step', 'bad-date', 'zone-less', 'bad-asset', 'drop-required', 'alias-bomb', 'duplicate-key', 'garbage-bytes', 'secret-in-field', 'bad-strategy'] as const;
  const kind = pick(kinds);
  switch (kind) {
    case 'truncate':
      return { kind, text: base.slice(0, Math.floor(r() * base.length)), mustRefuse: false };
    case 'drop-line':
      return { kind, text: lines.filter((_, i) => i !== idx).join('\n'), mustRefuse: ['name', 'chain', 'baseAsset', 'registry', 'journal', 'universe', 'initialHoldings'].includes(key) && indent === '' };
    case 'typo-key': {
      const typo = key.length > 3 ? key.slice(0, -2) + key.slice(-1) + key.slice(-2, -1) : `${key}x`;
      return { kind, text: set(line.replace(`${key}:`, `${typo}:`)), mustRefuse: typo !== key };
    }
    case 'unknown-key':
      return { kind, text: set(`${line}\n${indent}surpriseKey${Math.floor(r() * 1e6)}: 1`), mustRefuse: !/params:|groupCaps:|maxWeightPerKind:|initialHoldings:|assets:|pools:|lsts:/.test(line) };
    case 'bad-number': {
      const fractions = valueLines.filter(([l]) => /^\s+(max[A-Z]\w*|min(Liquid)?Weight|deadBand|maxSlippage|maxDiscount|tolerance|apyTolerance|incentiveHaircut):\s*[\d.]+/.test(l));
      const [fl, fi] = pick(fractions);
      const v = pick(['5', '-0.1', '1.5', 'NaN', '.inf', '-.inf', '1e400']);
      return { kind, text: lines.map((l, i) => (i === fi ? l.replace(/:\s*[\d.]+/, `: ${v}`) : l)).join('\n'), mustRefuse: true };
    }
    case 'bad-type':
      return { kind, text: set(`${indent}${key}: [1, {a: 2}]`), mustRefuse: !['params', 'groupCaps', 'maxWeightPerKind'].includes(key) && !/^\s+(pools|lsts|assets)$/.test(key) };
    case 'zero-step':
      return { kind, text: base.replace(/step: \S+/, pick(['step: 0s', 'step: 0d', 'step: -1d', 'step: 0'])), mustRefuse: true };
    case 'bad-date':
      return { kind, text: base.replace(/from: "[^"]+"/, `from: "${pick(['2024-02-30', '2023-02-29T00:00:00Z', '2024-13-01', 'yesterday', '2024-06-31T00:00:00Z', '2024-06-01T24:00:00Z'])}"`), mustRefuse: true };
    case 'zone-less':
      return { kind, text: base.replace(/to: "[^"]+"/, 'to: "2025-09-27T00:00:00"'), mustRefuse: true };
    case 'bad-asset':
      return { kind, text: base.replace(/universe: \[ETH, (\w+)/, (_m, a: string) => `universe: [ETH, ${a}x`), mustRefuse: true };
    case 'drop-required': {
      const req = pick(['name', 'chain', 'baseAsset', 'registry', 'journal', 'universe', 'strategy', 'initialHoldings']);
      return { kind, text: lines.filter((l) => !l.startsWith(`${req}:`)).join('\n'), mustRefuse: true };
    }
    case 'alias-bomb': {
      const bomb = ['x0: &x0 [a, a, a, a, a, a, a, a, a, a]', ...Array.from({ length: 8 }, (_, k) => `x${k + 1}: &x${k + 1} [${Array(10).fill(`*x${k}`).join(', ')}]`)];
      return { kind, text: `${bomb.join('\n')}\n${base}`, mustRefuse: true };
    }
    case 'duplicate-key':
      return { kind, text: set(`${line}\n${line}`), mustRefuse: true };
    case 'garbage-bytes': {
      const at = Math.floor(r() * base.length);
      const junk = Array.from({ length: 1 + Math.floor(r() * 16) }, () => String.fromCharCode(Math.floor(r() * 0x3000))).join('');
      return { kind, text: base.slice(0, at) + junk + base.slice(at), mustRefuse: false };
    }
    case 'secret-in-field':
      return { kind, text: base.replace(/benchmark: \w+/, `benchmark: "0x${'9f'.repeat(32)}"`), mustRefuse: true };
    case 'bad-strategy':
      return { kind, text: base.replace(/name: risk-adjusted/, pick(['name: risk-adjustd', 'name: Risk Adjusted', 'name: ../etc/passwd', 'name: 42'])), mustRefuse: true };
  }
}

describe('mutation fuzz', () => {
  it(`configs: ${CONFIGS} mutants — no untyped error, no hang, nothing wrongly accepted, accepted ones conservative`, async () => {
    const dir = tempDir('fuzz-');
    const base = vaultText(dir);
    const r = rng(20261205);
    const counts = { tried: 0, accepted: 0, refused: 0, stackTraces: 0, hangs: 0, wronglyAccepted: 0, unsafeDefaults: 0 };
    const failures: string[] = [];
    const file = join(dir, 'mutant.yaml');
    for (let k = 0; k < CONFIGS; k++) {
      const m = mutateConfig(base, r);
      writeFileSync(file, m.text);
      counts.tried++;
      const t = performance.now();
      let accepted = false;
      try {
        const v = loadVault(file);
        const s = await loadNamedStrategy(v.config.strategy.name, 'strategy.name');
        checkStrategyParams(s, v, [], true);
        accepted = true;
        for (const [key, safe] of Object.entries(CONSERVATIVE)) {
          const written = new RegExp(`^\\s+${key}:`, 'm').test(m.text);
          const value = (v.config.limits as Record<string, unknown>)[key] as number;
          const tooLoose = key.startsWith('min') ? value < safe : value > safe;
          if (!written && tooLoose) {
            counts.unsafeDefaults++;
            failures.push(`${m.kind}: ${key} defaulted to ${value}`);
          }
        }
      } catch (e) {
        const rep = reportError(e);
        if (!(e instanceof KeeperError) || rep.exitCode === 70) {
          counts.stackTraces++;
          failures.push(`${m.kind}: untyped ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`);
        }
        if (/9f9f9f9f9f9f9f9f/.test(rep.text)) failures.push(`${m.kind}: secret printed`);
      }
      if (performance.now() - t > SLOW_MS) {
        counts.hangs++;
        failures.push(`${m.kind}: took ${Math.round(performance.now() - t)} ms`);
      }
      if (accepted) counts.accepted++;
      else counts.refused++;
      if (accepted && m.mustRefuse) {
        counts.wronglyAccepted++;
        failures.push(`${m.kind}: accepted\n${diffLine(base, m.text)}`);
      }
    }
    console.log(`config fuzz: ${JSON.stringify(counts)}`);
    expect(failures).toEqual([]);
    expect(counts.tried).toBe(CONFIGS);
    expect(counts.refused).toBeGreaterThan(CONFIGS / 3);
  }, 240_000);

  it(`histories: ${HISTORIES} mutants — refused with a DataError naming file:line:column, never an untyped error; impossible readings never accepted`, () => {
    const text = readFileSync(join(ROOT, 'history/ethereum.csv'), 'utf8').split('\n').slice(0, 400).join('\n');
    const lines = text.split('\n');
    const firstData = lines.findIndex((l) => /^\d{4}-/.test(l));
    const r = rng(42);
    const counts = { tried: 0, accepted: 0, refused: 0, stackTraces: 0, hangs: 0, wronglyAccepted: 0 };
    const failures: string[] = [];
    for (let k = 0; k < HISTORIES; k++) {
      const i = firstData + Math.floor(r() * (lines.length - firstData - 1));
      const cells = (lines[i] as string).split(',');
      const kinds = ['percent-apy', 'negative-rate', 'time-back', 'bad-date', 'extra-column', 'quote', 'truncate', 'nan', 'garbage'] as const;
      const kind = kinds[Math.floor(r() * kinds.length)] as (typeof kinds)[number];
      let mustRefuse = true;
      let mutated = [...lines];
      const setCells = (c: string[]) => (mutated[i] = c.join(','));
      if (kind === 'percent-apy') setCells(cells.map((c, j) => (j === 6 ? '3.5' : c)));
      else if (kind === 'negative-rate') setCells(cells.map((c, j) => (j === 4 ? '-1.02' : c)));
      else if (kind === 'time-back') setCells(cells.map((c, j) => (j === 0 ? '2019-01-01T00:00:00Z' : c)));
      else if (kind === 'bad-date') setCells(cells.map((c, j) => (j === 0 ? c.replace(/-\d\d-\d\dT/, '-02-30T') : c)));
      else if (kind === 'extra-column') setCells([...cells, '1']);
      else if (kind === 'quote') setCells(cells.map((c, j) => (j === 1 ? `"${c}"` : c)));
      else if (kind === 'nan') setCells(cells.map((c, j) => (j === 4 ? 'NaN' : c)));
      else if (kind === 'truncate') {
        mutated = mutated.slice(0, i + 1);
        mutated[i] = (mutated[i] as string).slice(0, Math.floor(r() * (mutated[i] as string).length));
        mustRefuse = false; // a cut between fields may still be a valid shorter row set
      } else {
        mutated[i] = String.fromCharCode(...Array.from({ length: 30 }, () => 32 + Math.floor(r() * 90)));
      }
      counts.tried++;
      const t = performance.now();
      try {
        parseHistory(mutated.join('\n'), 'mutant.csv');
        counts.accepted++;
        if (mustRefuse) {
          counts.wronglyAccepted++;
          failures.push(`${kind}: accepted line ${i + 1}: ${mutated[i]}`);
        }
      } catch (e) {
        counts.refused++;
        if (!(e instanceof KeeperError)) {
          counts.stackTraces++;
          failures.push(`${kind}: untyped ${(e as Error).name}: ${(e as Error).message}`);
        } else if (!/mutant\.csv:\d+:/.test(e.message)) failures.push(`${kind}: no position in "${e.message.slice(0, 120)}"`);
      }
      if (performance.now() - t > SLOW_MS) counts.hangs++;
    }
    console.log(`history fuzz: ${JSON.stringify(counts)}`);
    expect(failures).toEqual([]);
    expect(counts.hangs).toBe(0);
  });
});

function diffLine(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return `  line ${i + 1}: ${JSON.stringify(x[i])} → ${JSON.stringify(y[i])}`;
  return '  (same)';
}
