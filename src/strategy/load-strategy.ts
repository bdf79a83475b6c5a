import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, StrategyError } from '../errors.js';
import type { Strategy } from './strategy.js';

/** The top-level strategies/ folder, whether running from source (vitest) or from dist/. */
export function strategiesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/strategy → ../../strategies ; dist/src/strategy → ../../strategies (compiled copies)
  return resolve(here, '..', '..', 'strategies');
}

function candidates(dir: string, name: string): string[] {
  return [join(dir, `${name}.js`), join(dir, `${name}.ts`)];
}

export function listStrategies(dir = strategiesDir()): string[] {
  if (!existsSync(dir)) return [];
  return [...new Set(readdirSync(dir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).map((f) => f.replace(/\.(js|ts)$/, '')))].sort();
}

/** Loads `strategies/<name>` and checks it exports a strategy by that name. */
export async function loadStrategy(name: string, dir = strategiesDir()): Promise<Strategy<unknown>> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new StrategyError(`bad strategy name "${name}"`, { name });
  const file = candidates(dir, name).find((f) => existsSync(f));
  if (!file) throw new StrategyError(`no strategy "${name}" in ${dir} (available: ${listStrategies(dir).join(', ') || 'none'})`, { name });
  const mod = (await import(pathToFileURL(file).href)) as { default?: Strategy<unknown> };
  const s = mod.default;
  if (!s || typeof s.decide !== 'function' || !s.params || typeof s.params.safeParse !== 'function') {
    throw new StrategyError(`${file} does not default-export a strategy (name, description, params schema, decide)`, { file });
  }
  if (s.name !== name) throw new StrategyError(`${file} exports strategy "${s.name}", expected "${name}"`, { file });
  return s;
}

/** Validates a vault's strategy params against the strategy's own schema, naming each bad field. */
export function parseStrategyParams<P>(s: Strategy<P>, params: unknown, file: string): P {
  const r = s.params.safeParse(params);
  if (r.success) return r.data;
  throw new ConfigError(
    file,
    r.error.issues.map((i) => ({ where: `${file} strategy.params${i.path.length ? `.${i.path.join('.')}` : ''}`, value: i.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[String(k)] : undefined), params), expected: i.message })),
  );
}
