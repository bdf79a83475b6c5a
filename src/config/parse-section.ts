import type { z } from 'zod';
import { ConfigError, type Issue } from '../errors.js';

/**
 * Validates one section of a vault config that a component parses itself (e.g. `sources.solana`),
 * naming every bad field by its full dotted path.
 */
export function parseSection<S extends z.ZodType>(schema: S, value: unknown, path: readonly string[]): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues: Issue[] = parsed.error.issues.map((i) => ({
    where: [...path, ...i.path.map(String)].join('.'),
    value: i.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), value),
    expected: i.message,
  }));
  throw new ConfigError(path.join('.'), issues);
}
