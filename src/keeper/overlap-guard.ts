/**
 * Makes sure a cycle never starts while another is running: a tick that arrives during a cycle is
 * skipped (and reported), never queued, so a slow cycle cannot pile work up behind it.
 */
export class OverlapGuard {
  private busy = false;
  skipped = 0;

  /** Runs `task` unless one is already running; returns false when the tick was skipped. */
  async run(task: () => Promise<void>, onSkip?: () => void): Promise<boolean> {
    if (this.busy) {
      this.skipped++;
      onSkip?.();
      return false;
    }
    this.busy = true;
    try {
      await task();
      return true;
    } finally {
      this.busy = false;
    }
  }

  get running(): boolean {
    return this.busy;
  }
}
