import { loadHighsSolver } from './highs-solver.js';
import type { LpSolver } from './lp-solver.js';
import { createYalpsSolver } from './yalps-solver.js';

export const SOLVERS = ['yalps', 'highs'] as const;
export type SolverName = (typeof SOLVERS)[number];

/**
 * The LP solver a vault decides with. Whichever is chosen is used in every mode, so a backtest and
 * the live keeper cannot pick different vertices of a tied optimum.
 */
export async function loadSolver(name: SolverName): Promise<LpSolver> {
  return name === 'highs' ? loadHighsSolver() : createYalpsSolver();
}
