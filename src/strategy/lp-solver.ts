/**
 * The linear-programming port the strategies use. Decision code depends on this interface only; the
 * HiGHS adapter behind it is loaded once at the edge (it is WebAssembly and loads asynchronously).
 */
export interface LpVariable {
  readonly name: string;
  readonly lo: number;
  readonly hi: number;
  /** Objective coefficient (the problem maximizes). */
  readonly obj: number;
}

export interface LpConstraint {
  readonly name: string;
  readonly terms: ReadonlyArray<readonly [string, number]>;
  readonly lo?: number | undefined;
  readonly hi?: number | undefined;
}

export interface LpProblem {
  readonly variables: readonly LpVariable[];
  readonly constraints: readonly LpConstraint[];
}

export interface LpSolution {
  readonly status: 'optimal' | 'infeasible' | 'unbounded' | 'error';
  readonly detail: string;
  readonly objective: number;
  readonly values: Readonly<Record<string, number>>;
  /** Constraints at a bound with a non-zero shadow price: the limits that decided the answer. */
  readonly binding: readonly string[];
  readonly duals: Readonly<Record<string, number>>;
}

export interface LpSolver {
  readonly name: string;
  solve(p: LpProblem): LpSolution;
}
