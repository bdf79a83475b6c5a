import { z } from 'zod';
import { SEVERITIES } from '../domain/event.js';
import { parseDuration } from '../domain/time.js';

/**
 * The vault config section `alerts`: where journaled events a person must see right away are sent.
 *
 *   alerts:
 *     webhook:
 *       url: https://hooks.example.com/keeper   # receives one JSON POST per event
 *       minSeverity: critical                   # info | warn | critical (default critical)
 *       timeout: 5s                             # per attempt
 *       retries: 3
 */
export const AlertsSchema = z.strictObject({
  webhook: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
      minSeverity: z.enum(SEVERITIES).default('critical'),
      timeout: z
        .string()
        .refine((s) => { try { return parseDuration(s) > 0; } catch { return false; } }, 'a duration such as "5s"')
        .default('5s'),
      retries: z.number().int().min(0).max(10).default(3),
    })
    .optional(),
});

export type AlertsConfig = z.output<typeof AlertsSchema>;
