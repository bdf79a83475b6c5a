import cron from 'node-cron';
import { parseDuration } from '../domain/time.js';
import type { FleetSchedule } from './fleet-config.js';

/** A running schedule: stop() ends it (a tick already running is not interrupted). */
export interface RunningSchedule {
  stop(): void;
}

/**
 * The longest gap between two runs of the schedule: an interval's own length, a cron expression's
 * widest gap among its next runs (a weekday schedule's weekend included). Readiness allows twice this.
 */
export function schedulePeriodMs(s: FleetSchedule, now: Date = new Date()): number {
  if ('every' in s) return parseDuration(s.every);
  const task = cron.createTask(s.cron, () => {});
  try {
    const runs = task.getNextRuns(16).map((d) => d.getTime());
    let widest = 0;
    for (let i = 1; i < runs.length; i++) widest = Math.max(widest, (runs[i] as number) - (runs[i - 1] as number));
    return widest > 0 ? widest : Math.max(1000, (runs[0] ?? now.getTime() + 60_000) - now.getTime());
  } finally {
    void task.destroy();
  }
}

export function describeSchedule(s: FleetSchedule): string {
  return 'every' in s ? `every ${s.every}` : `cron "${s.cron}"`;
}

/**
 * Calls `tick` on the schedule. An interval counts from the end of the previous tick (setTimeout, not
 * setInterval), so a slow cycle delays the next one instead of piling ticks up; the cron schedule's
 * overlapping ticks are the caller's to skip (OverlapGuard).
 */
export function startSchedule(s: FleetSchedule, tick: () => Promise<void>): RunningSchedule {
  if ('every' in s) {
    const ms = parseDuration(s.every);
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    // The next timer is armed from setImmediate, i.e. after the event loop has polled for I/O: a cycle
    // longer than the interval would otherwise keep Node's timer phase busy and starve the HTTP server.
    const arm = () => {
      if (!stopped) timer = setTimeout(() => void tick().finally(() => setImmediate(arm)), ms);
    };
    arm();
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }
  const task = cron.schedule(s.cron, () => tick());
  return {
    stop() {
      void task.stop();
      void task.destroy();
    },
  };
}
