import { createRequire } from 'node:module';
import type { LpProblem, LpSolution, LpSolver } from './lp-solver.js';

/**
 * HiGHS (via the `highs` WebAssembly build) behind the LpSolver port. HiGHS is a maintained,
 * state-of-the-art LP solver; we only write the problem in CPLEX LP format and read the answer back.
 */

interface HighsColumn { Primal: number; Status?: string }
interface HighsRow { Name: string; Primal: number; Dual: number; Status?: string; Lower: number | null; Upper: number | null }
interface HighsResult { Status: string; ObjectiveValue: number; Columns: Record<string, HighsColumn>; Rows: HighsRow[] }
interface Highs { solve(lp: string, options?: Record<string, unknown>): HighsResult }

const require = createRequire(import.meta.url);

let instance: Promise<Highs> | undefined;

function num(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`LP coefficient must be finite, got ${x}`);
  if (Math.abs(x) < 1e-15) return '0';
  // The shortest text that reads back as the same double; exponent forms are written out in full.
  const s = String(x);
  return s.includes('e') ? x.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : s;
}

function term(coef: number, name: string, first: boolean): string {
  const sign = coef < 0 ? '-' : first ? '' : '+';
  const k = Math.abs(coef);
  return k === 1 ? `${sign} ${name}` : `${sign} ${num(k)} ${name}`;
}

export function toLpFormat(p: LpProblem): string {
  const lines: string[] = ['Maximize'];
  const objTerms = p.variables.filter((v) => v.obj !== 0).map((v, i) => term(v.obj, v.name, i === 0));
  lines.push(` obj: ${objTerms.length ? objTerms.join(' ') : `0 ${p.variables[0]?.name ?? 'x'}`}`);
  lines.push('Subject To');
  for (const c of p.constraints) {
    const lhs = c.terms.map(([n, k], i) => term(k, n, i === 0)).join(' ');
    if (c.lo !== undefined && c.hi !== undefined && c.lo === c.hi) lines.push(` ${c.name}: ${lhs} = ${num(c.lo)}`);
    else {
      if (c.hi !== undefined) lines.push(` ${c.name}_hi: ${lhs} <= ${num(c.hi)}`);
      if (c.lo !== undefined) lines.push(` ${c.name}_lo: ${lhs} >= ${num(c.lo)}`);
    }
  }
  lines.push('Bounds');
  for (const v of p.variables) {
    if (Number.isFinite(v.hi)) lines.push(` ${num(v.lo)} <= ${v.name} <= ${num(v.hi)}`);
    else if (v.lo !== 0) lines.push(` ${v.name} >= ${num(v.lo)}`); // 0 ≤ v is the LP format's default
  }
  lines.push('End');
  return lines.join('\n');
}

/**
 * `presolve: true` for large problems (the whole-path ceiling, ~10⁴ rows), where presolve pays for itself;
 * the per-decision LPs are small enough that it does not.
 */
export async function loadHighsSolver(o: { presolve?: boolean; method?: 'simplex' | 'ipm' } = {}): Promise<LpSolver> {
  instance ??= (require('highs') as (o?: unknown) => Promise<Highs>)();
  const highs = await instance;
  return {
    name: 'highs',
    solve(p: LpProblem): LpSolution {
      const lp = toLpFormat(p);
      let r: HighsResult;
      try {
        // Presolve costs more than it saves on problems this small (measured: 1.09 → 0.67 ms a solve).
        r = highs.solve(lp, { presolve: o.presolve ? 'on' : 'off', output_flag: false, ...(o.method ? { solver: o.method } : {}) });
      } catch (e) {
        return { status: 'error', detail: (e as Error).message, objective: NaN, values: {}, binding: [], duals: {} };
      }
      const status = r.Status === 'Optimal' ? 'optimal' : r.Status === 'Infeasible' ? 'infeasible' : r.Status === 'Unbounded' ? 'unbounded' : 'error';
      const values: Record<string, number> = {};
      for (const v of p.variables) values[v.name] = r.Columns[v.name]?.Primal ?? 0;
      const duals: Record<string, number> = {};
      const binding: string[] = [];
      for (const row of r.Rows ?? []) {
        const name = row.Name.replace(/_(hi|lo)$/, '');
        duals[row.Name] = row.Dual;
        if (Math.abs(row.Dual) > 1e-9 && !binding.includes(name)) binding.push(name);
      }
      return { status, detail: r.Status, objective: r.ObjectiveValue, values, binding, duals };
    },
  };
}
