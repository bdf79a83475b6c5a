import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type Issue } from '../errors.js';

/**
 * Reads a YAML (or JSON) file and validates it against a zod schema, reporting every problem with its
 * dotted path, its line and column, the bad value and what was expected. Nothing is returned unless
 * the whole file is valid.
 */
export function loadYaml<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ where: file, value: undefined, expected: `a readable file (${(e as Error).message})` }]);
  }
  return parseYaml(text, file, schema);
}

export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { where: pos ? `${file}:${pos.line}:${pos.col}` : file, value: undefined, expected: `valid YAML (${e.message.split('\n')[0]})` };
      }),
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues: Issue[] = result.error.issues.map((iss) => {
    const path = iss.path.map(String);
    const node = nodeAt(doc, path);
    const pos = node?.range ? lines.linePos(node.range[0]) : undefined;
    const dotted = path.length ? path.join('.') : '(top level)';
    return {
      where: `${file}${pos ? `:${pos.line}:${pos.col}` : ''} ${dotted}`,
      value: valueAt(data, path),
      expected: expectedText(iss),
    };
  });
  throw new ConfigError(file, issues);
}

function expectedText(iss: z.core.$ZodIssue): string {
  switch (iss.code) {
    case 'unrecognized_keys':
      return `no unknown keys (unknown: ${iss.keys.join(', ')})`;
    case 'invalid_value':
      return `one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return iss.message;
  }
}

function nodeAt(doc: Document, path: string[]): Node | undefined {
  let node: unknown = doc.contents;
  let last: Node | undefined = doc.contents ?? undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === key);
      if (!pair) return last;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
    } else {
      return last;
    }
    if (node && typeof node === 'object' && 'range' in node) last = node as Node;
  }
  return last;
}

function valueAt(data: unknown, path: string[]): unknown {
  let v: unknown = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}
