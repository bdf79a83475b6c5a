import { JournalError } from '../errors.js';

/**
 * The conversions at the journal's edge: bigint ↔ decimal TEXT and values ↔ JSON TEXT. Money never
 * passes through a JS number on the way in or out.
 */

const CANONICAL_UINT = /^(0|[1-9][0-9]*)$/;

/** A non-negative bigint as the canonical decimal text the schema's CHECKs accept. */
export function uintToText(field: string, value: bigint): string {
  if (typeof value !== 'bigint') {
    throw new JournalError(`${field} must be a bigint, got ${typeof value}`, { field, value: String(value) });
  }
  if (value < 0n) throw new JournalError(`${field} must be non-negative, got ${value}`, { field, value: value.toString() });
  return value.toString();
}

/** Stored decimal text back to a bigint; anything else means the file was written by something else. */
export function textToUint(field: string, text: unknown): bigint {
  if (typeof text !== 'string' || !CANONICAL_UINT.test(text)) {
    throw new JournalError(`${field}: stored value ${JSON.stringify(text)} is not a decimal integer`, { field });
  }
  return BigInt(text);
}

/** JSON.stringify replacer: bigints become decimal strings, so JSON.stringify never meets one. */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function toJsonText(field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, bigintReplacer);
  } catch (e) {
    throw new JournalError(`${field} cannot be serialized to JSON: ${(e as Error).message}`, { field });
  }
  if (text === undefined) throw new JournalError(`${field} cannot be serialized to JSON`, { field });
  return text;
}

export function optionalJsonText(field: string, value: Record<string, unknown> | undefined): string | null {
  return value === undefined ? null : toJsonText(field, value);
}

export function parseJsonText<T>(field: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new JournalError(`${field}: stored JSON does not parse: ${(e as Error).message}`, { field });
  }
}

export function parseOptionalJson<T>(field: string, text: string | null): T | undefined {
  return text === null ? undefined : parseJsonText<T>(field, text);
}

/** Run fn, turning a SQLite error (constraint, trigger, busy, I/O) into a JournalError that names the operation. */
export function guard<T>(op: string, context: Record<string, unknown>, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof JournalError) throw e;
    const err = e as { message?: unknown; code?: unknown };
    const message = typeof err.message === 'string' ? err.message : String(e);
    throw new JournalError(`journal ${op} failed: ${message}`, {
      ...context,
      op,
      ...(typeof err.code === 'string' ? { code: err.code } : {}),
      cause: e,
    });
  }
}
