import { InvalidArgumentError } from 'commander';
import cron from 'node-cron';
import { parseDuration, parseTime } from '../domain/time.js';
import { suggest } from '../config/did-you-mean.js';

/**
 * Flag values are checked where commander reads them, before any file is opened, so a bad flag is
 * blamed on the flag ("option '--from <time>' argument 'yesterday' is invalid. …") and never reaches
 * code that would throw from deep inside a run.
 */

export const int = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};

export const positiveInt = (v: string): number => {
  const n = int(v);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

export const timeArg = (v: string): string => {
  try {
    parseTime(v);
    return v;
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

export const durationArg = (v: string): string => {
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  if (!(ms > 0)) throw new InvalidArgumentError('a step must be longer than zero');
  return v;
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevelArg = (v: string): string => {
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}${suggest(v, LOG_LEVELS)}`);
  return v;
};

export const oneOf =
  <T extends string>(choices: readonly T[]) =>
  (v: string): T => {
    if (!(choices as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}${suggest(v, choices)}`);
    return v as T;
  };

export const cronArg = (v: string): string => {
  if (!cron.validate(v)) throw new InvalidArgumentError('not a cron expression (five or six fields, e.g. "0 */6 * * *" or "*/10 * * * * *")');
  return v;
};
