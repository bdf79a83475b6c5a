import { z } from 'zod';
import { SEVERITIES } from '../domain/event.js';
import { parseDuration } from '../domain/time.js';
import { SecretRefSchema } from './secret-ref.js';

/**
 * The vault config section `alerts` (and the fleet file's, which applies to every vault it serves):
 * where journaled events a person must see are sent, and how much of the noise is kept back.
 *
 *   alerts:
 *     webhook:                                 # one JSON POST per event, HMAC-signed when a secret is set
 *       url: https://hooks.example.com/keeper
 *       secret: { env: KEEPER_HOOK_SECRET }
 *       minSeverity: critical                  # info | warn | critical (default critical)
 *     slack: { url: { env: SLACK_HOOK_URL }, minSeverity: warn }      # incoming-webhook URL (a secret)
 *     discord: { url: { file: /run/credentials/keeper/discord } }
 *     telegram: { botToken: { env: TELEGRAM_BOT_TOKEN }, chatId: "-100123" }
 *     noise: { repeatWindow: 1h, maxPerHour: 30 }   # a repeat of the same event is held back
 *     digest: { enabled: true }                # one message per vault per day: NAV, yield, actions, breakers
 */

const duration = z
  .string()
  .refine((s) => { try { return parseDuration(s) > 0; } catch { return false; } }, 'a duration such as "5s"');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

const delivery = {
  minSeverity: z.enum(SEVERITIES).default('critical'),
  timeout: duration.default('5s'),
  retries: z.number().int().min(0).max(10).default(3),
};

export const AlertsSchema = z.strictObject({
  webhook: z
    .strictObject({
      url: httpUrl,
      /** HMAC-SHA256 key: each POST then carries X-Restake-Signature: t=<unix seconds>,v1=<hex HMAC of "t.body">. */
      secret: SecretRefSchema.optional(),
      ...delivery,
    })
    .optional(),
  /** Slack incoming webhook: the URL itself is the credential, so it may come from a secret. */
  slack: z.strictObject({ url: z.union([httpUrl, SecretRefSchema]), ...delivery }).optional(),
  /** Discord channel webhook (URL carries its token). */
  discord: z.strictObject({ url: z.union([httpUrl, SecretRefSchema]), ...delivery }).optional(),
  /** Telegram Bot API sendMessage. */
  telegram: z
    .strictObject({
      botToken: SecretRefSchema,
      chatId: z.union([z.string().regex(/^(-?\d+|@\w+)$/, 'a numeric chat id or @channelname'), z.number().int()]),
      apiBase: httpUrl.default('https://api.telegram.org'),
      ...delivery,
    })
    .optional(),
  noise: z
    .strictObject({
      /** A repeat of the same event (vault, kind, asset, severity) within this window is held back and counted. */
      repeatWindow: duration.default('1h'),
      /** At most this many messages per vault per hour on each channel; the rest are counted and reported with the next. */
      maxPerHour: z.number().int().min(1).max(10_000).default(30),
    })
    .prefault({}),
  /** A daily digest per vault (NAV, yield, actions, breakers) to every channel, whatever its minSeverity. */
  digest: z.strictObject({ enabled: z.boolean().default(true) }).optional(),
});

export type AlertsConfig = z.output<typeof AlertsSchema>;
export type ChannelDelivery = { minSeverity: (typeof SEVERITIES)[number]; timeout: string; retries: number };
