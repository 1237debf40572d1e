import { request as httpRequest } from 'node:http';
import type { ProblemCode } from 'src/common/problem';
import type { ProviderName } from 'src/config/provider-registry';
import { eyesonEvents, eyesonPath, eyesonToken } from './eyeson-sender';
import { millicastJsonRequest, signMillicast } from './millicast-sender';
import { perculusEvents, perculusToken } from './perculus-sender';
import { TEST_ENV } from './test-app';
import { wmsSignature } from './wms-sender';

/** One HTTP request to a webhook route, exactly as it goes on the wire. */
export interface WebhookRequest {
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface SignatureCase {
  name: string;
  request: WebhookRequest;
  code: ProblemCode;
}

/**
 * Everything the cross-provider suites (bad input, fuzzing, faults, replay, secrets) need to know about a
 * webhook route, built on each provider's sender helper. A new provider adds one entry to WEBHOOK_ROUTES.
 */
export interface WebhookRoute {
  provider: ProviderName;
  /**
   * Where the credential travels: a MAC header over the raw bytes, the signed callback URL, or a token in
   * the JSON body (a body that is not JSON then carries no credential at all, and is refused unstored).
   */
  credential: 'header' | 'path' | 'body';
  /** A known event, valid as the provider documents it, distinct per (tag, n) (its own idempotency key). */
  event(tag: string, n: number): Record<string, unknown>;
  /** Signs these exact bytes as the provider does ('body' routes: sent as they are). */
  sign(body: Buffer | string, contentType?: string): WebhookRequest;
  /** Serialises an event as the provider does, adds the credential and signs it. */
  signEvent(event: Record<string, unknown>): WebhookRequest;
  /** Fields of `event()` for the value cases: a number, a date and a string that all reach the state. */
  fields: { number: string; date: string; string: string };
  /** Credentials that are missing, repeated, oversized, malformed or wrong: refused 401, never stored. */
  signatureCases(valid: WebhookRequest): SignatureCase[];
  /** The signature headers and secrets that must never show up in logs or responses. */
  secrets: string[];
}

const JSON_TYPE = 'application/json';

function withHeaders(request: WebhookRequest, headers: Record<string, string | string[] | undefined>) {
  const merged: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries({ ...request.headers, ...headers })) if (v !== undefined) merged[k] = v;
  return { ...request, headers: merged };
}

/** The same bytes with one byte changed (inside the JSON, so the body stays JSON). */
export function alterOneByte(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  const i = Math.max(0, copy.lastIndexOf('"') - 1);
  copy[i] = copy[i] === 0x41 ? 0x42 : 0x41;
  return copy;
}

/** Cases shared by providers that sign the raw bytes into one header as `<prefix><hex>`. */
function macHeaderCases(
  valid: WebhookRequest,
  header: string,
  prefix: string,
  hexLength: number,
  signWith: (body: Buffer, secret: string) => string,
  otherSecret: string,
): SignatureCase[] {
  const value = valid.headers[header] as string;
  const hex = value.slice(prefix.length);
  return [
    {
      name: 'missing signature header',
      request: withHeaders(valid, { [header]: undefined }),
      code: 'signature-missing',
    },
    {
      name: 'empty signature header',
      request: withHeaders(valid, { [header]: '' }),
      code: 'signature-missing',
    },
    {
      name: 'duplicated signature header',
      request: withHeaders(valid, { [header]: [value, value] }),
      code: 'signature-malformed',
    },
    {
      name: 'oversized signature header',
      request: withHeaders(valid, { [header]: prefix + 'a'.repeat(8000) }),
      code: 'signature-malformed',
    },
    {
      name: 'signature with a wrong prefix',
      request: withHeaders(valid, { [header]: `md5=${hex}` }),
      code: 'signature-malformed',
    },
    {
      name: 'signature without its prefix',
      request: withHeaders(valid, { [header]: hex }),
      code: 'signature-malformed',
    },
    {
      name: 'signature with non-hex characters',
      request: withHeaders(valid, { [header]: prefix + 'z'.repeat(hexLength) }),
      code: 'signature-malformed',
    },
    {
      name: 'signature one hex digit short',
      request: withHeaders(valid, { [header]: value.slice(0, -1) }),
      code: 'signature-malformed',
    },
    {
      name: 'body altered by one byte',
      request: { ...valid, body: alterOneByte(valid.body) },
      code: 'signature-mismatch',
    },
    {
      name: 'signed with a secret that is not configured',
      request: withHeaders(valid, { [header]: signWith(valid.body, otherSecret) }),
      code: 'signature-mismatch',
    },
  ];
}

const WMS_SECRET = TEST_ENV.WMS_MAC_SECRETS;
const wms: WebhookRoute = {
  provider: 'wms',
  credential: 'header',
  event: (tag, n) => ({
    timestamp: 1_700_000_000 + n,
    sessionId: `${tag}-session-${n % 7}`,
    sequence: n,
    event: n % 3 === 0 ? 'MEASUREMENT_CREATED' : 'CAMERA_STARTED',
    severity: 'INFO',
    ...(n % 3 === 0 ? { payload: { measurementId: `${tag}-m-${n}` } } : {}),
  }),
  sign: (body, contentType = JSON_TYPE) => ({
    path: '/webhooks/wms',
    headers: { 'Content-Type': contentType, 'X-WMS-Content-MAC': wmsSignature(body, WMS_SECRET) },
    body: Buffer.from(body),
  }),
  signEvent: (event) => wms.sign(JSON.stringify(event)),
  fields: { number: 'sequence', date: 'timestamp', string: 'sessionId' },
  signatureCases: (valid) =>
    macHeaderCases(valid, 'X-WMS-Content-MAC', 'hmac-sha256=', 64, wmsSignature, 'wms-secret-not-configured'),
  secrets: [WMS_SECRET],
};

const MILLICAST_SECRET = TEST_ENV.MILLICAST_WEBHOOK_SECRETS;
const millicast: WebhookRoute = {
  provider: 'millicast',
  credential: 'header',
  event: (tag, n) => ({
    type: 'feeds',
    event: n % 2 === 0 ? 'started' : 'ended',
    timestamp: 1_638_463_486_489 + n,
    data: {
      feedId: `${tag}-feed-${n}`,
      accountId: 'ZG6NWV',
      name: `${tag}-stream`,
      streamId: `ZG6NWV/${tag}-stream`,
      started: 1_638_463_486_359 + n,
      ...(n % 2 === 0 ? {} : { ended: 1_638_463_500_963 + n }),
      active: n % 2 === 0,
    },
  }),
  sign: (body, contentType = JSON_TYPE) => ({
    path: '/webhooks/millicast',
    headers: { 'Content-Type': contentType, 'X-Millicast-Signature': signMillicast(body, MILLICAST_SECRET) },
    body: Buffer.from(body),
  }),
  signEvent: (event) => millicastJsonRequest(event, MILLICAST_SECRET),
  fields: { number: 'timestamp', date: 'data.started', string: 'data.feedId' },
  signatureCases: (valid) =>
    macHeaderCases(
      valid,
      'X-Millicast-Signature',
      'sha1=',
      40,
      signMillicast,
      Buffer.from('millicast-secret-not-configured').toString('base64'),
    ),
  secrets: [MILLICAST_SECRET, Buffer.from(MILLICAST_SECRET, 'base64').toString('latin1')],
};

const EYESON_SECRET = TEST_ENV.EYESON_CALLBACK_SECRETS;
const EYESON_REFERENCE = 'fault-suite-call';
const eyesonCallbackPath = eyesonPath(eyesonToken(EYESON_REFERENCE, EYESON_SECRET));
const eyeson: WebhookRoute = {
  provider: 'eyeson',
  credential: 'path',
  event: (tag, n) => eyesonEvents.uploadReady(`${tag}-rec-${n}`),
  sign: (body, contentType = JSON_TYPE) => ({
    path: eyesonCallbackPath,
    headers: { 'Content-Type': contentType, 'User-Agent': 'streamrec' },
    body: Buffer.from(body),
  }),
  signEvent: (event) => eyeson.sign(JSON.stringify(event)),
  fields: { number: 'recording_file_size_bytes', date: 'recording_started_at', string: 'rec_id' },
  signatureCases: (valid) => {
    const token = valid.path.slice('/webhooks/eyeson/'.length);
    const [ref, expires, mac] = token.split('.');
    const flipped = mac.startsWith('A') ? `B${mac.slice(1)}` : `A${mac.slice(1)}`;
    const at = (path: string) => ({ ...valid, path });
    return [
      { name: 'token without its MAC', request: at(`/webhooks/eyeson/${ref}`), code: 'signature-malformed' },
      {
        name: 'token with non-base64url characters',
        request: at(`/webhooks/eyeson/${ref}.${expires}.${'%24'.repeat(43)}`),
        code: 'signature-malformed',
      },
      {
        name: 'oversized token',
        request: at(`/webhooks/eyeson/${ref}.${expires}.${'A'.repeat(6000)}`),
        code: 'signature-malformed',
      },
      {
        name: 'token with one character of its MAC changed',
        request: at(`/webhooks/eyeson/${ref}.${expires}.${flipped}`),
        code: 'signature-mismatch',
      },
      {
        name: 'token minted under a secret that is not configured',
        request: at(eyesonPath(eyesonToken(EYESON_REFERENCE, 'eyeson-secret-not-configured-0123'))),
        code: 'signature-mismatch',
      },
      {
        name: 'token for another reference with this MAC',
        request: at(eyesonPath(`${Buffer.from('other-call').toString('base64url')}.${expires}.${mac}`)),
        code: 'signature-mismatch',
      },
    ];
  },
  secrets: [EYESON_SECRET],
};

const PERCULUS_SECRET = TEST_ENV.PERCULUS_WEBHOOK_SECRETS;
const perculusHeaders = (contentType: string) => ({
  'Content-Type': contentType,
  'User-Agent': 'Perculus-Webhook',
});
const perculus: WebhookRoute = {
  provider: 'perculus',
  credential: 'body',
  event: (tag, n) =>
    perculusEvents.sessionStatus(
      `${tag}-session-${n}`,
      n % 2 === 0 ? 'started' : 'finished',
      1_700_000_000 + n,
    ),
  sign: (body, contentType = JSON_TYPE) => ({
    path: '/webhooks/perculus',
    headers: perculusHeaders(contentType),
    body: Buffer.from(body),
  }),
  signEvent: (event) =>
    perculus.sign(
      JSON.stringify('token' in event ? event : { ...event, token: perculusToken(PERCULUS_SECRET) }),
    ),
  fields: { number: 'session_id', date: 'date', string: 'session_id' },
  signatureCases: (valid) => {
    const message = JSON.parse(valid.body.toString('utf8')) as Record<string, unknown>;
    const token = message.token as string;
    const [timestamp, mac] = token.split('|');
    const withToken = (value: unknown) => perculus.sign(JSON.stringify({ ...message, token: value }));
    const { token: _dropped, ...withoutToken } = message;
    return [
      {
        name: 'body without a token',
        request: perculus.sign(JSON.stringify(withoutToken)),
        code: 'signature-missing',
      },
      { name: 'empty token', request: withToken(''), code: 'signature-missing' },
      { name: 'token that is not a string', request: withToken(12345), code: 'signature-malformed' },
      {
        name: 'token without the "|" separator',
        request: withToken(`${timestamp}${mac}`),
        code: 'signature-malformed',
      },
      { name: 'token with a wrong prefix', request: withToken(`sha256=${mac}`), code: 'signature-malformed' },
      {
        name: 'token with non-hex characters',
        request: withToken(`${timestamp}|${'z'.repeat(64)}`),
        code: 'signature-malformed',
      },
      {
        name: 'oversized token',
        request: withToken(`${timestamp}|${'a'.repeat(8000)}`),
        code: 'signature-malformed',
      },
      {
        name: 'token with one hex digit changed',
        request: withToken(`${timestamp}|${mac[0] === 'a' ? 'b' : 'a'}${mac.slice(1)}`),
        code: 'signature-mismatch',
      },
      {
        name: 'token signed with a secret that is not configured',
        request: withToken(perculusToken('perculus-secret-not-configured')),
        code: 'signature-mismatch',
      },
      {
        name: 'token older than the accepted window',
        request: withToken(perculusToken(PERCULUS_SECRET, Math.floor(Date.now() / 1000) - 3600)),
        code: 'token-expired',
      },
    ];
  },
  secrets: [PERCULUS_SECRET],
};

/** Every webhook route of the service. */
export const WEBHOOK_ROUTES: readonly WebhookRoute[] = [wms, millicast, eyeson, perculus];

/** Sets `path` (dotted) in a copy of `obj`. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(obj);
  const keys = path.split('.');
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys[keys.length - 1]] = value;
  return copy;
}

export interface WebhookResponse {
  status: number;
  contentType: string;
  body: Record<string, unknown> | null;
  text: string;
}

/**
 * Sends a request with the exact bytes and headers over real HTTP (node:http, so a repeated header goes
 * out as repeated lines). Rejects on a network error or after `timeoutMs`.
 */
export function send(baseUrl: string, request: WebhookRequest, timeoutMs = 10_000): Promise<WebhookResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}${request.path}`,
      {
        method: 'POST',
        headers: { ...request.headers, 'Content-Length': String(request.body.length) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> | null;
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = null;
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body,
            text,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}
