import { dirname, resolve } from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { AlertsSchema } from '../alerts/alert-config.js';
import { SecretRefSchema } from '../alerts/secret-ref.js';
import { parseDuration, parseTime } from '../domain/time.js';
import { ConfigError, type Issue } from '../errors.js';
import { loadYaml } from '../config/load-yaml.js';

/**
 * The fleet file `serve --fleet` runs: which vaults, each with its own journal, schedule, feed and
 * executor, and how the HTTP endpoint is exposed. Paths are relative to the fleet file.
 *
 *   http: { host: 127.0.0.1, port: 9464, token: { env: RESTAKE_KEEPER_HTTP_TOKEN } }
 *   vaults:
 *     - config: vaults/eth-restaking.yaml
 *       schedule: { every: 1h }              # or { cron: "0 0 * * *" }
 *       feed: recorded                       # or live (default: the vault config's)
 *       executor: paper                      # or evm, safe, solana (the executor factory's kinds), live: true to send
 */

const duration = z.string().refine((s) => { try { return parseDuration(s) > 0; } catch { return false; } }, 'a positive duration such as "500ms", "30s", "5m" or "1h"');
const isoTime = z.string().refine((s) => { try { parseTime(s); return true; } catch { return false; } }, 'an ISO-8601 UTC time');

export const FleetScheduleSchema = z.union([
  z.strictObject({ every: duration }),
  z.strictObject({ cron: z.string().refine((s) => cron.validate(s), 'a node-cron expression (seconds allowed), e.g. "0 */6 * * *"') }),
]);
export type FleetSchedule = z.output<typeof FleetScheduleSchema>;

export const FleetVaultSchema = z.strictObject({
  /** The vault config (YAML), relative to the fleet file. */
  config: z.string().min(1),
  /** Journal path (default: the vault config's). Two vaults never share one. */
  journal: z.string().min(1).optional(),
  /** When cycles run (default: the vault config's schedule.cron). On a recorded feed each tick advances one recorded step. */
  schedule: FleetScheduleSchema.optional(),
  feed: z.enum(['recorded', 'live']).optional(),
  executor: z.string().default('paper'),
  /** With executor evm and `mode: live` in the vault config: sign and send (the --live flag of `run`). */
  live: z.boolean().default(false),
  /** Recorded feed: another history file than the vault config's (relative to the fleet file). */
  history: z.string().min(1).optional(),
  /** Recorded feed: the window and step in recorded time (default: the vault config's schedule). */
  replay: z.strictObject({ from: isoTime.optional(), to: isoTime.optional(), step: duration.optional() }).optional(),
});

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

export const FleetSchema = z
  .strictObject({
    http: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9464),
        /** Bearer token every request must carry. Required when host is not a loopback address. */
        token: SecretRefSchema.optional(),
      })
      .prefault({}),
    shutdown: z.strictObject({ grace: duration.default('30s') }).prefault({}),
    /** Alert channels every vault of the fleet uses, besides its own config's. */
    alerts: AlertsSchema.optional(),
    vaults: z.array(FleetVaultSchema).min(1),
  })
  .superRefine((f, ctx) => {
    if (!isLoopback(f.http.host) && !f.http.token) {
      ctx.addIssue({ code: 'custom', path: ['http', 'token'], message: `a bearer token ({ env: NAME } or { file: path }) to listen on ${f.http.host}, which is not loopback` });
    }
  });

export type FleetConfig = z.output<typeof FleetSchema>;
export type FleetVaultEntry = z.output<typeof FleetVaultSchema>;

export interface LoadedFleet {
  readonly file: string;
  readonly config: FleetConfig;
  /** Each entry with its paths resolved against the fleet file. */
  readonly vaults: ReadonlyArray<FleetVaultEntry & { readonly configPath: string; readonly journalPath: string | undefined; readonly historyPath: string | undefined }>;
}

export function loadFleet(file: string): LoadedFleet {
  const config = loadYaml(file, FleetSchema);
  const dir = dirname(resolve(file));
  const at = (p: string | undefined) => (p === undefined ? undefined : resolve(dir, p));
  const vaults = config.vaults.map((v) => ({ ...v, configPath: resolve(dir, v.config), journalPath: at(v.journal), historyPath: at(v.history) }));
  return { file, config, vaults };
}

/** Cross-vault checks once every vault config is loaded: names and journals must be unique. */
export function checkFleetUnique(file: string, vaults: ReadonlyArray<{ name: string; journal: string }>): void {
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  const journals = new Map<string, number>();
  vaults.forEach((v, i) => {
    const n = seen.get(v.name);
    if (n !== undefined) issues.push({ where: `${file} vaults.${i}`, value: v.name, expected: `a vault name not already used by vaults.${n} (metrics and the API are keyed by it)` });
    else seen.set(v.name, i);
    const j = journals.get(v.journal);
    if (j !== undefined) issues.push({ where: `${file} vaults.${i}.journal`, value: v.journal, expected: `a journal not already used by vaults.${j} (one keeper per journal)` });
    else journals.set(v.journal, i);
  });
  if (issues.length) throw new ConfigError(file, issues);
}
