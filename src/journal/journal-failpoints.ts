import { FAILPOINT_ENV, JOURNAL_WRITE_FAILPOINT, failpoint, parseFailpoint } from '../chains/failpoints.js';

/** Journal methods that write; each call is one commit (or, inside `atomically`, part of one). */
const WRITES = new Set([
  'startRun',
  'beginCycle',
  'recordStage',
  'recordObservations',
  'recordScores',
  'recordDecision',
  'recordActions',
  'recordActionStatus',
  'recordFill',
  'recordPortfolio',
  'recordEvent',
  'endCycle',
  'recordTransaction',
  'recordTransactionStatus',
  'beginRedoCycle',
  'recordActionHoldings',
  'atomically',
]);

/**
 * The crash tests' switch for the journal: with RESTAKE_KEEPER_FAILPOINT=journal-write@n the process
 * SIGKILLs itself right after its n-th committed journal write (writes inside `atomically` count once,
 * when the whole transaction has committed). Anything else returns the journal untouched.
 */
export function withJournalFailpoints<J extends object>(journal: J): J {
  if (parseFailpoint(process.env[FAILPOINT_ENV])?.name !== JOURNAL_WRITE_FAILPOINT) return journal;
  let depth = 0;
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        // Read on the target itself: its private fields and getters are not reachable through a proxy.
        const v = Reflect.get(t, prop, t) as unknown;
        if (prop === 'redo' && typeof v === 'object' && v !== null) return wrap(v);
        if (typeof v !== 'function') return v;
        const fn = v as (...args: unknown[]) => unknown;
        if (typeof prop !== 'string' || !WRITES.has(prop)) return fn.bind(t);
        return (...args: unknown[]) => {
          depth++;
          let out: unknown;
          try {
            out = fn.apply(t, args);
          } finally {
            depth--;
          }
          if (depth === 0) failpoint(JOURNAL_WRITE_FAILPOINT);
          return out;
        };
      },
    });
  return wrap(journal);
}
