import type { Logger } from 'pino';
import { readSecret } from '../alerts/secret-ref.js';
import { ConfigError } from '../errors.js';
import type { Journal } from '../journal/journal.js';
import type { YieldSource } from '../sources/yield-source.js';
import { parseDuration } from '../domain/time.js';
import { isLoopback, loadFleet, type LoadedFleet } from './fleet-config.js';
import { Fleet, planFleet } from './fleet.js';
import { FleetHttpServer } from './http-server.js';
import type { VaultObserver, VaultPlan } from './vault-runner.js';

export interface ServiceOptions {
  readonly fleet: string;
  /** Overrides of the fleet file's http.host / http.port. */
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly log: Logger;
  readonly alerts?: ((journal: Journal, plan: VaultPlan, fleet: LoadedFleet) => { flush(): Promise<void> }) | undefined;
  readonly observers?: readonly VaultObserver[] | undefined;
  readonly wrapSource?: ((vault: string, s: YieldSource) => YieldSource) | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Start new journals on purpose where the vault index knows another journal of the vault (serve --fresh). */
  readonly fresh?: boolean | undefined;
}

export interface RunningService {
  readonly fleet: Fleet;
  readonly url: string;
  /** Stops the schedules, waits for cycles in progress (the fleet's shutdown grace), releases leases, closes HTTP. */
  stop(): Promise<Array<{ vault: string; abandoned: boolean }>>;
}

/** Loads the fleet (refusing to start on any configuration problem), starts every vault and the HTTP endpoint. */
export async function startService(o: ServiceOptions): Promise<RunningService> {
  const loaded = loadFleet(o.fleet);
  const http = { ...loaded.config.http, ...(o.host !== undefined ? { host: o.host } : {}), ...(o.port !== undefined ? { port: o.port } : {}) };
  if (!isLoopback(http.host) && !http.token) {
    throw new ConfigError(loaded.file, [{ where: `${loaded.file} http.token`, value: undefined, expected: `a bearer token ({ env: NAME } or { file: path }) to listen on ${http.host}, which is not loopback` }]);
  }
  const token = http.token ? readSecret(http.token, o.env) : undefined;
  const plans = await planFleet(loaded, { fresh: o.fresh, warn: (m) => o.log.warn(m) });
  const fleet = new Fleet(plans, {
    log: o.log,
    observers: o.observers,
    wrapSource: o.wrapSource,
    alerts: o.alerts ? (j, p) => (o.alerts as NonNullable<ServiceOptions['alerts']>)(j, p, loaded) : undefined,
  });
  const server = new FleetHttpServer(fleet, { host: http.host, port: http.port, token, log: o.log });
  const addr = await server.listen();
  await fleet.start();
  const grace = parseDuration(loaded.config.shutdown.grace);
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return {
    fleet,
    url: `http://${host}:${addr.port}`,
    async stop() {
      const r = await fleet.stop(grace);
      await server.close();
      return r;
    },
  };
}
