import { z } from 'zod';
import { ConfigError, type Issue } from '../errors.js';
import { loadYaml } from './load-yaml.js';
import { RegistrySchema, type Registry } from './registry-schema.js';

/**
 * A registry overlay: a user's file that adds or overrides chains, layers and assets (routes included)
 * on top of the shipped registry, so adding one asset never means copying the whole registry.
 *
 * Merge rules: objects merge key by key, recursively; any other value (a number, a string, a list such
 * as an asset's `layers` or a layer's `failureModes`) replaces the shipped one; `null` removes the key
 * (e.g. `exit: { dex: null }` drops a DEX route). The merged registry is validated as a whole, and a
 * problem is reported against the overlay that set the value, or the shipped file otherwise.
 */
const entries = z.record(z.string(), z.union([z.null(), z.record(z.string(), z.unknown())]));

export const RegistryOverlaySchema = z.strictObject({
  version: z.literal(1),
  chains: entries.optional(),
  layers: entries.optional(),
  assets: entries.optional(),
});

export type RegistryOverlay = z.infer<typeof RegistryOverlaySchema>;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function mergeOverlay(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? mergeOverlay(out[k], v) : v;
  }
  return out;
}

function hasPath(x: unknown, path: readonly PropertyKey[]): boolean {
  let cur = x;
  for (const k of path) {
    if (!isObject(cur) || !(String(k) in cur)) return false;
    cur = cur[String(k)];
  }
  return true;
}

/** The shipped registry with each overlay applied in order; validated as a whole. */
export function loadRegistry(registryFile: string, overlayFiles: readonly string[] = []): Registry {
  const base = loadYaml(registryFile, RegistrySchema);
  if (overlayFiles.length === 0) return base;
  const overlays = overlayFiles.map((f) => ({ file: f, data: loadYaml(f, RegistryOverlaySchema) }));
  let merged: unknown = base;
  for (const o of overlays) merged = mergeOverlay(merged, { chains: o.data.chains ?? {}, layers: o.data.layers ?? {}, assets: o.data.assets ?? {} });
  const r = RegistrySchema.safeParse(merged);
  if (r.success) return r.data;
  const issues: Issue[] = r.error.issues.map((iss) => {
    const owner = [...overlays].reverse().find((o) => hasPath(o.data, iss.path.slice(0, 2)))?.file ?? registryFile;
    return { where: `${owner} ${iss.path.map(String).join('.')} (after overlays)`, value: undefined, expected: iss.message };
  });
  throw new ConfigError(overlayFiles[overlayFiles.length - 1] as string, issues);
}
