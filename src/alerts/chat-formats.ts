import { digestLines, eventTitle, suppressedNote, type AlertMessage, type AlertPayload } from './alert-message.js';

/**
 * Chat formats for people: Slack (incoming webhook, Block Kit), Discord (webhook, embeds) and Telegram
 * (Bot API sendMessage, HTML). Pure functions from an alert to the JSON body each service documents.
 * Message text is escaped for each format: journaled messages quote readings and asset names, never markup.
 */

const SEVERITY_COLOR = { info: 0x2563eb, warn: 0xd97706, critical: 0xdc2626 } as const;
const SEVERITY_ICON = { info: 'ℹ️', warn: '⚠️', critical: '🚨' } as const;

function details(p: AlertPayload): string[] {
  const out = [`at ${p.at}${p.cycleId !== null ? ` · cycle ${p.cycleId}` : ''}`];
  const s = suppressedNote(p);
  if (s) out.push(s);
  return out;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

// Slack mrkdwn: &, < and > are the only characters to escape.
const slackEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackBody(m: AlertMessage): Record<string, unknown> {
  if (m.type === 'digest') {
    const d = digestLines(m.digest);
    return {
      text: d.title,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: clip(d.title, 150) } },
        { type: 'section', text: { type: 'mrkdwn', text: slackEsc(d.lines.join('\n')) } },
      ],
    };
  }
  const p = m.payload;
  const title = `${SEVERITY_ICON[p.severity]} ${eventTitle(p)}`;
  return {
    text: clip(`${title}: ${p.message}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(title, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(slackEsc(p.message), 3000) } },
      { type: 'context', elements: details(p).map((t) => ({ type: 'mrkdwn', text: slackEsc(t) })) },
    ],
  };
}

export function discordBody(m: AlertMessage): Record<string, unknown> {
  // allowed_mentions empty: a message quoting "@everyone" must never ping a channel.
  const base = { username: 'restake-keeper', allowed_mentions: { parse: [] as string[] } };
  if (m.type === 'digest') {
    const d = digestLines(m.digest);
    return { ...base, embeds: [{ title: clip(d.title, 256), description: clip(d.lines.join('\n'), 4096), color: SEVERITY_COLOR.info }] };
  }
  const p = m.payload;
  return {
    ...base,
    embeds: [
      {
        title: clip(eventTitle(p), 256),
        description: clip(p.message, 4096),
        color: SEVERITY_COLOR[p.severity],
        timestamp: p.at,
        fields: [
          { name: 'vault', value: p.vault, inline: true },
          { name: 'kind', value: p.kind, inline: true },
          ...(p.asset ? [{ name: 'asset', value: p.asset, inline: true }] : []),
          ...(p.suppressed ? [{ name: 'held back', value: String(p.suppressed), inline: true }] : []),
        ],
        footer: { text: p.cycleId !== null ? `cycle ${p.cycleId}` : 'restake-keeper' },
      },
    ],
  };
}

const htmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function telegramBody(m: AlertMessage, chatId: string | number): Record<string, unknown> {
  let text: string;
  if (m.type === 'digest') {
    const d = digestLines(m.digest);
    text = `<b>${htmlEsc(d.title)}</b>\n${d.lines.map(htmlEsc).join('\n')}`;
  } else {
    const p = m.payload;
    text = `${SEVERITY_ICON[p.severity]} <b>${htmlEsc(clip(eventTitle(p), 200))}</b>\n${htmlEsc(clip(p.message, 3500))}\n<i>${details(p).map(htmlEsc).join('\n')}</i>`;
  }
  // Clipped piecewise above (never through a tag): Telegram refuses more than 4096 characters or broken HTML.
  return { chat_id: chatId, text, parse_mode: 'HTML', disable_web_page_preview: true };
}
