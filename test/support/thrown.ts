import { expect } from 'vitest';

/** The error `f` throws, asserted to be a `kind`; fails the test when `f` returns normally. */
export function thrown<E extends Error>(kind: abstract new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(kind);
    return e as E;
  }
  throw new Error(`expected a ${kind.name}, but nothing was thrown`);
}
