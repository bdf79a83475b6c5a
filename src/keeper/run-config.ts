import { toJsonText } from '../journal/codec.js';
import { redactDeep } from '../redact.js';

/**
 * The config a run journals: the file's, with the strategy and params the run really used (after
 * --strategy and --param), and every credential a URL carries (an RPC key, a webhook token) redacted; the
 * run's config hash still identifies the exact files.
 */
export function runConfigJson(config: object, strategy: string, params: unknown): string {
  return toJsonText('run config', redactDeep({ ...config, strategy: { name: strategy, params } }));
}
