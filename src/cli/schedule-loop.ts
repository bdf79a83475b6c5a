import cron from 'node-cron';
import { OverlapGuard } from '../keeper/overlap-guard.js';
import type { StopSignal } from './stop-signal.js';

/**
 * Runs `tick` on a cron schedule until it returns false or a stop is asked for. A tick that lands while the
 * previous one runs is skipped (onSkip journals it), never queued. On a stop the schedule ends at once when
 * idle, or as soon as the tick in hand finishes.
 */
export async function onSchedule(expr: string, tick: () => Promise<boolean>, onSkip: () => void, stop: StopSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const guard = new OverlapGuard();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      void task.stop();
      resolve();
    };
    const task = cron.schedule(expr, () => {
      if (done) return;
      void guard
        .run(async () => {
          if (stop.stopped || !(await tick()) || stop.stopped) finish();
        }, onSkip)
        .catch((e: unknown) => {
          done = true;
          void task.stop();
          reject(e);
        });
    });
    stop.onStop(() => {
      if (!guard.running) finish();
    });
  });
}
