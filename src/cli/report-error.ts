import { CommanderError } from 'commander';
import { ConfigError, DataError, formatIssue, JournalError, KeeperError, StrategyError, UsageError } from '../errors.js';
import { LeaseHeldError } from '../keeper/instance-lease.js';
import { redactText } from '../redact.js';
import { EXIT } from './exit-codes.js';

/** At most this many problems are printed; the count of the rest follows (a 6 MB file of typos stays readable). */
export const MAX_ISSUES_SHOWN = 200;

export interface Reported {
  readonly text: string;
  readonly exitCode: number;
}

/** Every config problem, one per line, after a header naming the file and how many there are. */
export function formatConfigError(e: ConfigError, header = 'invalid configuration'): string {
  const shown = e.issues.slice(0, MAX_ISSUES_SHOWN).map((i) => `  - ${formatIssue(i)}`);
  const more = e.issues.length > MAX_ISSUES_SHOWN ? [`  … and ${e.issues.length - MAX_ISSUES_SHOWN} more`] : [];
  return [`${header} — ${e.file}: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}`, ...shown, ...more].join('\n');
}

/**
 * What the operator reads for an error, and the exit status (exit-codes.ts). Typed errors print their
 * message; an error the keeper has no name for is a bug and says so, with its stack only on request.
 * Everything printed is redacted.
 */
export function reportError(e: unknown): Reported {
  const r = classify(e);
  return { text: redactText(r.text), exitCode: r.exitCode };
}

function classify(e: unknown): Reported {
  if (e instanceof ConfigError) return { text: formatConfigError(e), exitCode: EXIT.usage };
  if (e instanceof LeaseHeldError || e instanceof JournalError) return { text: `${e.name}: ${e.message}`, exitCode: EXIT.journal };
  if (e instanceof DataError || e instanceof StrategyError || e instanceof UsageError) return { text: `${e.name}: ${e.message}`, exitCode: EXIT.usage };
  if (e instanceof KeeperError) return { text: `${e.name}: ${e.message}`, exitCode: EXIT.failed };
  if (e instanceof CommanderError) return { text: '', exitCode: e.exitCode === 0 ? EXIT.ok : EXIT.usage };
  const err = e as { code?: unknown; syscall?: unknown; path?: unknown; message?: unknown; stack?: unknown } | null;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    // A system call refused (permissions, a read-only file system, a full disk): say which and where.
    return { text: `cannot ${err.syscall}${typeof err.path === 'string' ? ` ${err.path}` : ''}: ${err.code} (${String(err.message)})`, exitCode: EXIT.failed };
  }
  if (err && typeof err.code === 'string' && err.code.startsWith('SQLITE_')) return { text: `journal error: ${String(err.message)} (${err.code})`, exitCode: EXIT.journal };
  const debug = process.env.RESTAKE_KEEPER_DEBUG === '1';
  const message = e instanceof Error ? e.message : String(e);
  return {
    text: `internal error: ${message}\n(this is a bug in restake-keeper; set RESTAKE_KEEPER_DEBUG=1 to print the stack)${debug && e instanceof Error ? `\n${e.stack}` : ''}`,
    exitCode: EXIT.internal,
  };
}

/**
 * Process-wide: an error that escapes a command (a rejected timer, a cron callback) is reported like any
 * other and ends the process; a reader that closed the pipe (`… | head`) ends it quietly.
 */
export function installProcessHandlers(): void {
  const fatal = (e: unknown) => {
    const r = reportError(e);
    if (r.text) process.stderr.write(`${r.text}\n`);
    process.exit(r.exitCode);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else fatal(e);
    });
  }
}
