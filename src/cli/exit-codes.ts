/**
 * One meaning per exit status, the same for every command (the README's table). Scripts, cron and systemd
 * tell "fix your input" from "the keeper could not act" from "someone else holds the journal".
 */
export const EXIT = {
  /** Done; for validate-config: the config is valid. */
  ok: 0,
  /** The command ran but did not succeed: a cycle failed closed, a source could not be read, a cycle id does not exist. */
  failed: 1,
  /** The input is wrong: a flag, a config file, a strategy parameter, a history file. Nothing was written. */
  usage: 2,
  /** The journal cannot be used: another keeper holds it, it is corrupt, unwritable, or the path looks mistyped. */
  journal: 3,
  /** A bug: an error the keeper has no name for (the message says how to get the stack). */
  internal: 70,
  /** Stopped by a signal: 128 + the signal's number (SIGINT 130, SIGTERM 143), as shells do. */
  sigint: 130,
  sigterm: 143,
} as const;
