/**
 * Failpoints: named places in the execution pipeline where a test can make the keeper die, the way
 * fail-rs (TiKV) and FoundationDB's simulation inject faults. The crash tests start the keeper as a child
 * process with RESTAKE_KEEPER_FAILPOINT set to one of the names below; when execution reaches that point
 * the process sends itself SIGKILL — no exit handlers, no flushing, no `finally` blocks, exactly like a
 * power cut or the OOM killer — and the test restarts it and checks that recovery neither loses nor
 * repeats a transaction.
 *
 * Unless the variable is set (it never is in production) `failpoint()` does nothing but read it.
 *
 *   RESTAKE_KEEPER_FAILPOINT=after-signed      die the first time the point is reached
 *   RESTAKE_KEEPER_FAILPOINT=after-signed@3    die the third time (later actions of a run)
 */

export const FAILPOINTS = ['after-intent', 'after-built', 'after-signed', 'after-sent', 'before-confirm'] as const;
export type FailpointName = (typeof FAILPOINTS)[number];
export const FAILPOINT_ENV = 'RESTAKE_KEEPER_FAILPOINT';
/**
 * Not a pipeline step: the keeper dies right after its n-th journal write (journal-failpoints.ts), so a
 * test can crash a cycle at every write it makes.
 */
export const JOURNAL_WRITE_FAILPOINT = 'journal-write';

const hits = new Map<string, number>();

/** Parses "name" or "name@n" (n ≥ 1); undefined when unset or malformed. */
export function parseFailpoint(spec: string | undefined): { name: string; hit: number } | undefined {
  if (!spec) return undefined;
  const m = /^([a-z-]+)(?:@(\d+))?$/.exec(spec.trim());
  if (!m) return undefined;
  const hit = m[2] === undefined ? 1 : Number(m[2]);
  return hit >= 1 ? { name: m[1] as string, hit } : undefined;
}

/** The multisig proposer's failpoints: after its intent is journaled, and after delivery before 'proposed' is recorded. */
export const PROPOSAL_FAILPOINTS = ['after-proposal-intent', 'after-proposal-delivered'] as const;
export type ProposalFailpointName = (typeof PROPOSAL_FAILPOINTS)[number];

export function proposalFailpoint(name: ProposalFailpointName): void {
  failpoint(name as unknown as FailpointName);
}

export function failpoint(name: FailpointName | typeof JOURNAL_WRITE_FAILPOINT): void {
  const want = parseFailpoint(process.env[FAILPOINT_ENV]);
  if (!want || want.name !== name) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (n !== want.hit) return;
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL cannot be caught; block until it lands so not one more statement of the pipeline runs.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
  throw new Error(`failpoint ${name}: SIGKILL did not stop the process`);
}
