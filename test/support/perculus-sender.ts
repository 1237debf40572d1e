import { createHmac, randomUUID } from 'node:crypto';

/**
 * Builds Perculus webhooks as Perculus sends them: a JSON POST whose body carries
 *   token = "<timestamp>|<hmac>",  hmac = HMAC(secret as UTF-8, the ASCII decimal digits of <timestamp>)
 * with <timestamp> the Unix seconds at token creation. Computed here with node:crypto, independently of the
 * app's code. Algorithm and encoding are not published by Perculus; the app's defaults are sha256/hex.
 */
export interface PerculusTokenOptions {
  algorithm?: 'sha256' | 'sha1';
  encoding?: 'hex' | 'base64';
  /** Upper-case hex (what the same vendor's other SDK sends). */
  upperCase?: boolean;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

let lastUniqueTimestamp = Number.POSITIVE_INFINITY;
/**
 * A token timestamp no earlier call returned: now, or one second before the previous one. Perculus signs
 * only the timestamp, so two messages given tokens in the same second carry the same token, and the
 * receiver refuses the second as a replay. Tests and simulators that send several messages a second use
 * this to give each its own token; it stays inside the default 300 s window for a few hundred messages.
 */
export function uniqueTokenTimestamp(): number {
  lastUniqueTimestamp = Math.min(nowSeconds(), lastUniqueTimestamp - 1);
  return lastUniqueTimestamp;
}

export function perculusToken(
  secret: string,
  timestamp: number | string = uniqueTokenTimestamp(),
  options: PerculusTokenOptions = {},
): string {
  const text = String(timestamp);
  const mac = createHmac(options.algorithm ?? 'sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(text, 'ascii'))
    .digest(options.encoding ?? 'hex');
  return `${text}|${options.upperCase ? mac.toUpperCase() : mac}`;
}

export interface PerculusRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The request Perculus makes for `message` (whose `token` is set when absent). */
export function perculusRequest(
  message: Record<string, unknown>,
  secret: string,
  options: PerculusTokenOptions & { timestamp?: number } = {},
): PerculusRequest {
  const body =
    'token' in message ? message : { ...message, token: perculusToken(secret, options.timestamp, options) };
  return {
    path: '/webhooks/perculus',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Perculus-Webhook' },
    body: JSON.stringify(body),
  };
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The three documented messages, with the fields the documentation lists (token added when sent). */
export const perculusEvents = {
  sessionStatus: (sessionId: string, status: 'started' | 'finished', date: string | number, extra = {}) => ({
    request_id: randomUUID(),
    type: 'SessionStatusEvent',
    session_id: sessionId,
    status,
    date,
    ...extra,
  }),
  sessionReport: (sessionId: string, status: 'ready' | 'failed', error?: string, extra = {}) => ({
    request_id: randomUUID(),
    type: 'SessionReportEvent',
    session_id: sessionId,
    status,
    ...(error === undefined ? {} : { error }),
    ...extra,
  }),
  singleVideo: (
    sessionId: string,
    status: 'ready' | 'failed',
    fields: { video_url?: string; error?: string } = {},
    extra = {},
  ) => ({
    request_id: randomUUID(),
    type: 'SingleVideoEvent',
    session_id: sessionId,
    status,
    ...fields,
    ...extra,
  }),
};

/** A session of an hour that started at `startSeconds`: its started and finished messages, ISO dates. */
export function perculusLesson(sessionId: string, startSeconds: number) {
  return {
    started: perculusEvents.sessionStatus(sessionId, 'started', iso(startSeconds)),
    finished: perculusEvents.sessionStatus(sessionId, 'finished', iso(startSeconds + 3600)),
  };
}
