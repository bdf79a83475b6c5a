import type { Logger } from 'pino';
import { attachFleetAlerts } from '../../service/fleet-alerts.js';
import { startService } from '../../service/service.js';
import { StopSignal } from '../stop-signal.js';

export interface ServeOptions {
  fleet: string;
  host?: string;
  port?: number;
  log: Logger;
  /** Start new journals on purpose where the vault index knows another journal of the vault. */
  fresh?: boolean;
}

/**
 * `restake-keeper serve --fleet f`: every vault of the fleet in this process, with /metrics, /healthz,
 * /readyz, /api/vaults and the status page. Runs until SIGTERM or SIGINT, then stops gracefully: no new
 * cycle starts, cycles in progress get the fleet's shutdown grace to finish, leases are released, and the
 * exit status is the signal's (143, 130) like every command's. A second signal exits at once.
 */
export async function serveCommand(o: ServeOptions, out: (l: string) => void): Promise<number> {
  // A stray rejection in one vault's code path must not take the other vaults down with the process.
  const onRejection = (e: unknown) => o.log.error({ err: e instanceof Error ? e.message : String(e) }, 'unhandled rejection (kept running)');
  process.on('unhandledRejection', onRejection);
  const signal = new StopSignal();
  try {
    const service = await startService({ fleet: o.fleet, host: o.host, port: o.port, log: o.log, alerts: attachFleetAlerts(o.log), fresh: o.fresh });
    for (const r of service.fleet.runners) {
      const s = r.status;
      out(`vault ${s.name}: ${s.chain}, ${s.feed} feed, ${s.mode ?? s.executor}, ${s.schedule}, journal ${s.journal}${s.error ? ` — ${s.error.message}` : ''}`);
    }
    out(`listening on ${service.url}`);
    await new Promise<void>((resolve) => signal.onStop(resolve));
    out('stopping: cycles in progress may finish (a second signal exits at once)');
    const stopped = await service.stop();
    for (const s of stopped) out(`vault ${s.vault}: ${s.abandoned ? 'cycle abandoned (closed as interrupted at the next start)' : 'stopped, lease released'}`);
    // An abandoned cycle (or a client's keep-alive socket) may still hold the event loop: exit regardless,
    // which also drops the lease of a vault whose journal was left open.
    const code = signal.exitCode(0);
    setTimeout(() => process.exit(code), 1_000).unref();
    return code;
  } finally {
    process.off('unhandledRejection', onRejection);
  }
}
