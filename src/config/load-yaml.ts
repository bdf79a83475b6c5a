import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type Issue } from '../errors.js';
import { humanize } from './zod-issues.js';

/**
 * Reads a YAML (or JSON) file and validates it against a zod schema, reporting every problem with its
 * line and column, its dotted path, the bad value and what was expected, in plain words. Nothing is
 * returned unless the whole file is valid.
 *
 * Sized for hostile files: duplicate keys are found with one set per mapping and each path is looked up
 * through a per-mapping index (the yaml library's own duplicate check and a linear search per issue are
 * quadratic: a 6 MB file of unknown keys took minutes), and aliases expand to at most 100 nodes (a
 * "billion laughs" file is refused, not expanded).
 */

/** A parsed file that can say where any path in it is written. */
export interface LocatedYaml {
  readonly file: string;
  readonly data: unknown;
  /** "file:line:col" of the node at `path` (or of its nearest written parent), else "file". */
  locate(path: readonly (string | number)[]): string;
}

export function loadYaml<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  return validateLocated(readLocated(file), schema);
}

export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  return validateLocated(locateText(text, file), schema);
}

/** Reads and parses a file (syntax, duplicate keys, aliases), without a schema. */
export function readLocated(file: string): LocatedYaml {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new ConfigError(file, [{ where: file, value: undefined, expected: '', message: `cannot read the file: ${why}` }]);
  }
  return locateText(text, file);
}

export function locateText(text: string, file: string): LocatedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const syntax: Issue[] = doc.errors.map((e) => ({ where: e.pos ? at(e.pos[0]) : file, value: undefined, expected: '', message: `not valid YAML: ${e.message.split('\n')[0]}` }));
  syntax.push(...duplicateKeys(doc, at));
  if (syntax.length > 0) throw new ConfigError(file, syntax);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(file, [{ where: file, value: undefined, expected: '', message: `refused: ${(e as Error).message} (YAML aliases expand to at most 100 nodes)` }]);
  }
  const index = new WeakMap<object, Map<string, Pair>>();
  const locate = (path: readonly (string | number)[]) => {
    const node = nodeAt(doc, path.map(String), index);
    return node?.range ? at(node.range[0]) : file;
  };
  return { file, data, locate };
}

/** Validates a located file; every issue carries its position. */
export function validateLocated<S extends z.ZodType>(y: LocatedYaml, schema: S): z.output<S> {
  const result = schema.safeParse(y.data);
  if (result.success) return result.data;
  throw new ConfigError(y.file, zodIssues(result.error.issues, y, schema, []));
}

/**
 * Past this many problems the rest are still counted and named, but without a position or a "did you mean"
 * (only the first 200 are printed; a file with hundreds of thousands of typos stays fast to check).
 */
const DETAILED_ISSUES = 1000;

/** zod issues as positioned, human issues; `prefix` places a sub-document (strategy.params) in the file. */
export function zodIssues(raw: readonly z.core.$ZodIssue[], y: LocatedYaml, schema: z.ZodType | undefined, prefix: readonly string[], data: unknown = y.data): Issue[] {
  const issues: Issue[] = [];
  for (const iss of raw) {
    if (iss.code === 'unrecognized_keys' && issues.length + iss.keys.length > DETAILED_ISSUES) {
      const room = Math.max(0, DETAILED_ISSUES - issues.length);
      const rest = iss.keys.slice(room);
      if (room > 0) issues.push(...zodIssues([{ ...iss, keys: iss.keys.slice(0, room) }], y, schema, prefix, data));
      const at = [...prefix, ...iss.path.map(String)].join('.');
      for (const k of rest) issues.push({ where: `${y.file} ${at ? `${at}.` : ''}${k}`, value: undefined, expected: '', message: `unknown key "${k}"` });
      continue;
    }
    const value = valueAt(data, iss.path.map(String));
    for (const h of humanize(iss, schema, value)) {
      const full = [...prefix, ...h.path];
      const dotted = full.length ? full.join('.') : '(top level)';
      const item: Issue = { where: `${y.locate(full)} ${dotted}`, value: h.message ? undefined : valueAt(data, h.path as string[]), expected: h.expected };
      issues.push(h.message !== undefined ? { ...item, message: h.message } : item);
    }
  }
  return issues;
}

function duplicateKeys(doc: Document, at: (offset: number) => string): Issue[] {
  const issues: Issue[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const p of node.items) {
        const k = keyText(p);
        if (seen.has(k)) issues.push({ where: (p.key as Node | null)?.range ? at((p.key as Node).range![0]) : '', value: undefined, expected: '', message: `duplicate key "${k}" (each key may appear once in a mapping)` });
        seen.add(k);
        stack.push(p.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return issues;
}

function keyText(p: Pair): string {
  const k = p.key as unknown;
  return isScalar(k) ? String(k.value) : String(k);
}

function nodeAt(doc: Document, path: string[], index: WeakMap<object, Map<string, Pair>>): Node | undefined {
  let node: unknown = doc.contents;
  let last: Node | undefined = doc.contents ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string;
    if (isMap(node)) {
      let byKey = index.get(node);
      if (!byKey) {
        byKey = new Map();
        for (const p of node.items) if (!byKey.has(keyText(p))) byKey.set(keyText(p), p);
        index.set(node, byKey);
      }
      const pair = byKey.get(key);
      if (!pair) return last;
      // The last segment of an unknown key points at the key itself; otherwise at the value.
      node = i === path.length - 1 && pair.value === null ? pair.key : (pair.value ?? pair.key);
      if (i === path.length - 1 && (pair.key as Node | null)?.range && !(pair.value as Node | null)?.range) return pair.key as Node;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
    } else {
      return last;
    }
    if (node && typeof node === 'object' && 'range' in node) last = node as Node;
  }
  return last;
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let v: unknown = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}
