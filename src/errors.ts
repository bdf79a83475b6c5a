/**
 * Typed errors. Each carries enough context to say what was wrong and where, so the CLI can print it
 * without a stack trace and a test can assert on the fields rather than on prose.
 */
import { redactDeep, redactText } from './redact.js';

export class KeeperError extends Error {
  constructor(message: string, readonly context: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
  }
}

export interface Issue {
  /** Where: a dotted config path, or "file:row:column". */
  readonly where: string;
  readonly value: unknown;
  readonly expected: string;
  /** A whole sentence when "got …, expected …" does not fit (an unknown key and its "did you mean"). */
  readonly message?: string;
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v === undefined) return '(missing)';
  // Redacted before it is cut: a private key pasted into the wrong field is never printed, not even in part.
  const s = JSON.stringify(redactDeep(v));
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function formatIssue(i: Issue): string {
  return i.message !== undefined ? `${i.where}: ${redactText(i.message)}` : `${i.where}: got ${describe(i.value)}, expected ${redactText(i.expected)}`;
}

/** A config file failed validation. All issues are collected, never just the first. */
export class ConfigError extends KeeperError {
  constructor(readonly file: string, readonly issues: readonly Issue[]) {
    const shown = issues.slice(0, 200).map((i) => `  - ${formatIssue(i)}`);
    if (issues.length > 200) shown.push(`  … and ${issues.length - 200} more`);
    super(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${shown.join('\n')}`, { file });
  }
}

/** A recorded-history file or a live reading failed validation. */
export class DataError extends KeeperError {
  constructor(readonly file: string, readonly issues: readonly Issue[]) {
    super(`${file}: ${issues.length} bad value${issues.length === 1 ? '' : 's'}\n${issues.slice(0, 20).map((i) => `  - ${formatIssue(i)}`).join('\n')}${issues.length > 20 ? `\n  … and ${issues.length - 20} more` : ''}`, { file });
  }
}

/** The optimizer could not find a feasible allocation under the hard limits. */
export class InfeasibleError extends KeeperError {}

/** A journal operation failed or found the journal in a state it cannot continue from. */
export class JournalError extends KeeperError {}

/** A strategy broke its contract (weights not summing to 1, unknown assets, a limit exceeded). */
export class StrategyError extends KeeperError {}

/** The command line asked for something that cannot be done as given (a missing or contradictory flag): exit 2. */
export class UsageError extends KeeperError {}
