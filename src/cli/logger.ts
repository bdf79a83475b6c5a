import { pino, type Logger } from 'pino';
import { redactDeep, redactText } from '../redact.js';

/**
 * Structured logs go to stderr so stdout stays the readable cycle lines. Anything that could hold a
 * key is redacted, whatever the path it turns up under.
 */
export const REDACT_PATHS = [
  'privateKey',
  'key',
  'secret',
  'mnemonic',
  '*.privateKey',
  '*.key',
  '*.secret',
  '*.mnemonic',
  'headers.authorization',
  '*.apiKey',
  // signing keys nested deeper (e.g. { execution: { evm: { privateKey } } }) and the usual env names
  '*.*.privateKey',
  '*.*.*.privateKey',
  '*.*.secret',
  '*.*.mnemonic',
  'env.PRIVATE_KEY',
  'env.KEEPER_PRIVATE_KEY',
  '*.PRIVATE_KEY',
  '*.KEEPER_PRIVATE_KEY',
];

export function makeLogger(level = process.env.RESTAKE_KEEPER_LOG ?? 'warn'): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      // Values, not only known field names: an RPC URL with its API key, a webhook token, a key in a message.
      formatters: { log: (o) => redactDeep(o) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    pino.destination(2),
  );
}
