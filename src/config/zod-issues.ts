import type { z } from 'zod';
import { suggest } from './did-you-mean.js';

/**
 * zod's issues in the words a vault manager reads ("a number from 0 to 1", "unknown key … did you mean …"),
 * never zod's own text ("Too big: expected number to be <=1").
 */

export interface HumanIssue {
  /** The config path the problem is at (for an unknown key: the key itself). */
  readonly path: readonly string[];
  /** What was expected, or (when `message` is set) nothing. */
  readonly expected: string;
  /** A whole sentence, when "got …, expected …" does not fit (an unknown key). */
  readonly message?: string;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  string: 'text (a string)',
  boolean: 'true or false',
  object: 'a mapping (key: value lines)',
  array: 'a list',
  bigint: 'an integer',
  int: 'a whole number',
};

/** The keys a strict object accepts at `path` inside `schema` (through optional, default, records…). */
export function keysAt(schema: z.ZodType, path: readonly string[]): string[] {
  let s: unknown = schema;
  for (let i = 0; i <= path.length; i++) {
    s = unwrap(s);
    const def = (s as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def) return [];
    if (i === path.length) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    const key = path[i] as string;
    if (def.type === 'object') s = (def.shape as Record<string, unknown>)[key];
    else if (def.type === 'record') s = def.valueType;
    else if (def.type === 'array') s = def.element;
    else return [];
  }
  return [];
}

function unwrap(s: unknown): unknown {
  for (let n = 0; n < 20; n++) {
    const def = (s as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def) return s;
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type as string)) s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else return s;
  }
  return s;
}

const bound = (iss: { inclusive?: boolean }, op: 'min' | 'max', v: unknown) => `${op === 'min' ? (iss.inclusive ? '≥' : '>') : iss.inclusive ? '≤' : '<'} ${String(v)}`;

/** A message the schema's author wrote (zod's own start "Invalid …", "Too small…", "Too big…"): it knows the field best. */
const authored = (iss: { message?: string }) => (iss.message && !/^(Invalid|Too (small|big))/.test(iss.message) ? iss.message : undefined);

/** One zod issue as what a person should write instead (unknown keys become one issue per key). */
export function humanize(iss: z.core.$ZodIssue, schema: z.ZodType | undefined, value: unknown): HumanIssue[] {
  const path = iss.path.map(String);
  switch (iss.code) {
    case 'unrecognized_keys': {
      const allowed = schema ? keysAt(schema, path) : [];
      return iss.keys.map((k) => ({
        path: [...path, k],
        expected: '',
        message: `unknown key "${k}"${suggest(k, allowed) || (allowed.length && allowed.length <= 12 ? ` (known here: ${allowed.join(', ')})` : '')}`,
      }));
    }
    case 'invalid_value': {
      const choices = iss.values.map((v) => String(v));
      const hint = typeof value === 'string' ? suggest(value, choices) : '';
      return [{ path, expected: `one of ${choices.join(', ')}${hint}` }];
    }
    case 'invalid_type':
      if (authored(iss)) return [{ path, expected: authored(iss) as string }];
      return [{ path, expected: value === undefined ? `${TYPE_WORDS[iss.expected] ?? iss.expected} (this field is required)` : (TYPE_WORDS[iss.expected] ?? iss.expected) }];
    case 'too_small':
    case 'too_big': {
      if (authored(iss)) return [{ path, expected: authored(iss) as string }];
      const v = iss.code === 'too_small' ? iss.minimum : iss.maximum;
      const op = iss.code === 'too_small' ? 'min' : 'max';
      if (iss.origin === 'array' || iss.origin === 'set') return [{ path, expected: `a list of ${op === 'min' ? 'at least' : 'at most'} ${String(v)} item${Number(v) === 1 ? '' : 's'}` }];
      if (iss.origin === 'string') return [{ path, expected: `text of ${op === 'min' ? 'at least' : 'at most'} ${String(v)} character${Number(v) === 1 ? '' : 's'}` }];
      return [{ path, expected: `a number ${bound(iss, op, v)}` }];
    }
    case 'invalid_union':
      return [{ path, expected: 'one of the accepted forms (see `config-schema`)' }];
    case 'invalid_format':
      return [{ path, expected: iss.message && !/^Invalid/.test(iss.message) ? iss.message : `text in ${iss.format} format` }];
    case 'not_multiple_of':
      return [{ path, expected: `a multiple of ${String(iss.divisor)}` }];
    default:
      return [{ path, expected: iss.message && !/^Invalid input/.test(iss.message) ? iss.message : 'a valid value (see `config-schema`)' }];
  }
}
