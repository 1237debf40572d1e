import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';

/**
 * The benchmark's reference: what this machine can do at best for the same job, with no framework. A bare
 * node:http server that verifies each provider's signature exactly as the service does (over the raw bytes,
 * constant time, against every configured secret), then durably stores an inbox row and an event row (ON
 * CONFLICT on the idempotency key) with group commit: requests are collected for a few milliseconds and each
 * batch is one transaction with one multi-row INSERT per table; every request of the batch is answered after
 * its COMMIT. It does not fold state (sessions, recordings, measurements): that is the service's extra work.
 *
 * Env: REFERENCE_DATABASE_URL, REFERENCE_PORT, the service's secret variables (WMS_MAC_SECRETS,
 * MILLICAST_WEBHOOK_SECRETS, PERCULUS_WEBHOOK_SECRETS, EYESON_CALLBACK_SECRETS, PERCULUS_TOKEN_MAX_AGE_SECONDS,
 * PERCULUS_TOKEN_MAX_FUTURE_SKEW_SECONDS), REFERENCE_POOL_SIZE (4), REFERENCE_BATCH_WINDOW_MS (2),
 * REFERENCE_BATCH_MAX (500).
 */

const env = process.env;
const list = (name: string): string[] =>
  (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
const int = (name: string, fallback: number): number => (env[name] ? Number(env[name]) : fallback);

const KEYS = {
  wms: list('WMS_MAC_SECRETS').map((s) => Buffer.from(s, 'utf8')),
  millicast: list('MILLICAST_WEBHOOK_SECRETS').map((s) => Buffer.from(s, 'base64')),
  perculus: list('PERCULUS_WEBHOOK_SECRETS').map((s) => Buffer.from(s, 'utf8')),
  eyeson: list('EYESON_CALLBACK_SECRETS').map((s) => Buffer.from(s, 'utf8')),
};
const PERCULUS_MAX_AGE = int('PERCULUS_TOKEN_MAX_AGE_SECONDS', 300);
const PERCULUS_MAX_SKEW = int('PERCULUS_TOKEN_MAX_FUTURE_SKEW_SECONDS', 30);
const POOL_SIZE = int('REFERENCE_POOL_SIZE', 4);
const WINDOW_MS = int('REFERENCE_BATCH_WINDOW_MS', 2);
const BATCH_MAX = int('REFERENCE_BATCH_MAX', 500);
const BODY_LIMIT = 1024 * 1024;
const EYESON_CONTEXT = 'hooktrail/eyeson-callback/v1\n';

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function anyKey(keys: Buffer[], provided: Buffer, mac: (key: Buffer) => Buffer): boolean {
  let matched = false;
  for (const key of keys) {
    const expected = mac(key);
    if (expected.length === provided.length && timingSafeEqual(expected, provided)) matched = true;
  }
  if (!matched) throw new Refused(401, 'signature-mismatch');
  return matched;
}

const hmac = (algorithm: string, key: Buffer, data: Buffer | string): Buffer =>
  createHmac(algorithm, key).update(data).digest();

function hexHeader(req: IncomingMessage, name: string, prefix: string, bytes: number): Buffer {
  const value = req.headers[name];
  if (typeof value !== 'string' || !value.toLowerCase().startsWith(prefix))
    throw new Refused(401, 'signature-missing');
  const hex = value.slice(prefix.length);
  if (hex.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(hex)) throw new Refused(401, 'signature-malformed');
  return Buffer.from(hex, 'hex');
}

function jsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Refused(400, 'malformed-body');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Refused(422, 'not-an-object');
  return parsed as Record<string, unknown>;
}

interface Row {
  provider: string;
  key: string;
  type: string;
  occurredAt: Date;
  payload: string;
  body: Buffer;
  requestId: string;
  contentType: string | null;
  headers: string;
}

/** Verifies the request as the service's guard for `provider` does, and reads the event's identity. */
function verify(
  provider: string,
  token: string | undefined,
  req: IncomingMessage,
  body: Buffer,
): Omit<Row, 'body' | 'requestId'> {
  const contentType = req.headers['content-type'] ?? null;
  const base = { contentType, headers: JSON.stringify({ 'content-type': contentType ?? undefined }) };
  switch (provider) {
    case 'wms': {
      const provided = hexHeader(req, 'x-wms-content-mac', 'hmac-sha256=', 32);
      anyKey(KEYS.wms, provided, (key) => hmac('sha256', key, body));
      const e = jsonObject(body);
      return {
        ...base,
        provider,
        key: `${String(e.sessionId)}:${String(e.sequence)}`,
        type: String(e.event),
        occurredAt: new Date(Number(e.timestamp) * 1000),
        payload: body.toString('utf8'),
      };
    }
    case 'millicast': {
      const provided = hexHeader(req, 'x-millicast-signature', 'sha1=', 20);
      anyKey(KEYS.millicast, provided, (key) => hmac('sha1', key, body));
      if (contentType === 'image/jpeg') {
        const at = Number(req.headers['x-millicast-timestamp']);
        const stream = `${String(req.headers['x-millicast-stream-id'])}|${String(req.headers['x-millicast-feed-id'] ?? '')}`;
        return {
          ...base,
          provider,
          key: `thumbnail:captured:${stream}:${at}`,
          type: 'thumbnail.captured',
          occurredAt: new Date(at),
          payload: JSON.stringify({ streamId: req.headers['x-millicast-stream-id'], size: body.length }),
        };
      }
      const e = jsonObject(body);
      const data = (e.data ?? {}) as Record<string, unknown>;
      const id = data.feedId ?? data.mediaAssetId ?? data.recordFileId ?? data.transcoderId ?? data.streamId;
      return {
        ...base,
        provider,
        key: `${String(e.type)}:${String(e.event)}:${String(id)}:${String(e.timestamp)}`,
        type: `${String(e.type)}.${String(e.event)}`,
        occurredAt: new Date(Number(e.timestamp)),
        payload: body.toString('utf8'),
      };
    }
    case 'perculus': {
      const e = jsonObject(body);
      const parts = typeof e.token === 'string' ? e.token.split('|') : [];
      if (parts.length !== 2 || !/^\d{1,12}$/.test(parts[0])) throw new Refused(401, 'signature-malformed');
      if (parts[1].length !== 64 || !/^[0-9a-fA-F]+$/.test(parts[1]))
        throw new Refused(401, 'signature-malformed');
      anyKey(KEYS.perculus, Buffer.from(parts[1], 'hex'), (key) =>
        hmac('sha256', key, Buffer.from(parts[0], 'ascii')),
      );
      const age = Math.floor(Date.now() / 1000) - Number(parts[0]);
      if (age > PERCULUS_MAX_AGE || -age > PERCULUS_MAX_SKEW) throw new Refused(401, 'token-expired');
      return {
        ...base,
        provider,
        key: String(e.request_id),
        type: String(e.type),
        occurredAt: new Date(),
        payload: body.toString('utf8'),
      };
    }
    case 'eyeson': {
      const parts = (token ?? '').split('.');
      if (parts.length !== 2) throw new Refused(401, 'signature-malformed');
      const reference = Buffer.from(parts[0], 'base64url').toString('utf8');
      const mac = Buffer.from(parts[1], 'base64url');
      anyKey(KEYS.eyeson, mac, (key) => hmac('sha256', key, EYESON_CONTEXT + reference));
      const e = jsonObject(body);
      const status = String(e.status);
      return {
        ...base,
        provider,
        key: `${status}:${reference}:${JSON.stringify(e.rec_id ?? '')}:${JSON.stringify(e.started_at ?? '')}`,
        type: status,
        occurredAt: new Date(),
        payload: body.toString('utf8'),
      };
    }
    default:
      throw new Refused(404, 'not-found');
  }
}

const pool = new Pool({ connectionString: env.REFERENCE_DATABASE_URL, max: POOL_SIZE });

/** One statement, two multi-row inserts: the events (ON CONFLICT DO NOTHING), then an inbox row for each new one. */
const INSERT_BATCH = `
WITH input AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::text[], $6::bytea[],
                       $7::varchar[], $8::varchar[], $9::text[])
    WITH ORDINALITY AS i(provider, key, type, occurred_at, payload, body, request_id, content_type, headers, ord)
), ev AS (
  INSERT INTO events (provider, idempotency_key, type, known, occurred_at, received_at, payload)
  SELECT provider, key, type, true, occurred_at, now(), payload::jsonb FROM input ORDER BY ord
  ON CONFLICT ON CONSTRAINT uq_events_provider_idempotency_key DO NOTHING
  RETURNING id, provider, idempotency_key
), del AS (
  INSERT INTO deliveries (provider, received_at, request_id, content_type, headers, context, body, body_size, status, event_id, processed_at)
  SELECT i.provider, now(), i.request_id, i.content_type, i.headers::jsonb, '{}', i.body, length(i.body), 'accepted', ev.id, now()
  FROM input i JOIN ev ON ev.provider = i.provider AND ev.idempotency_key = i.key
  RETURNING id, event_id
)
SELECT ev.provider, ev.idempotency_key AS key, ev.id AS event_id, del.id AS delivery_id FROM ev JOIN del ON del.event_id = ev.id`;

interface Pending {
  row: Row;
  done: (err: Error | null, result?: { eventId: string; deliveryId: string } | null) => void;
}

let pending: Pending[] = [];
let timer: NodeJS.Timeout | null = null;
let inFlight = 0;

function enqueue(item: Pending): void {
  pending.push(item);
  if (pending.length >= BATCH_MAX) flush();
  else if (timer === null) timer = setTimeout(flush, WINDOW_MS);
}

function flush(): void {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  if (pending.length === 0 || inFlight >= POOL_SIZE) return; // a finishing batch flushes again
  const batch = pending.slice(0, BATCH_MAX);
  pending = pending.slice(batch.length);
  inFlight++;
  write(batch)
    .then((results) => batch.forEach((item, i) => item.done(null, results[i])))
    .catch((err: Error) => batch.forEach((item) => item.done(err)))
    .finally(() => {
      inFlight--;
      if (pending.length >= BATCH_MAX) flush();
      else if (pending.length > 0 && timer === null) timer = setTimeout(flush, WINDOW_MS);
    });
}

async function write(batch: Pending[]): Promise<Array<{ eventId: string; deliveryId: string } | null>> {
  const rows = batch.map((p) => p.row);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows: inserted } = await client.query<{
      provider: string;
      key: string;
      event_id: string;
      delivery_id: string;
    }>(INSERT_BATCH, [
      rows.map((r) => r.provider),
      rows.map((r) => r.key),
      rows.map((r) => r.type),
      rows.map((r) => r.occurredAt),
      rows.map((r) => r.payload),
      rows.map((r) => r.body),
      rows.map((r) => r.requestId),
      rows.map((r) => r.contentType),
      rows.map((r) => r.headers),
    ]);
    await client.query('COMMIT');
    const byKey = new Map(inserted.map((r) => [`${r.provider}\u0000${r.key}`, r]));
    return rows.map((r) => {
      const k = `${r.provider}\u0000${r.key}`;
      const hit = byKey.get(k);
      if (hit === undefined) return null;
      byKey.delete(k); // a second copy in the same batch is a duplicate
      return { eventId: hit.event_id, deliveryId: hit.delivery_id };
    });
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

let requestCounter = 0;

function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= BODY_LIMIT) chunks.push(chunk);
  });
  req.on('end', () => {
    try {
      if (req.method === 'GET' && req.url === '/health') return answer(res, 200, { status: 'ok' });
      if (size > BODY_LIMIT) throw new Refused(413, 'payload-too-large');
      const match = /^\/webhooks\/(wms|millicast|perculus|eyeson)(?:\/([^/?]+))?\/?(?:\?.*)?$/.exec(
        req.url ?? '',
      );
      if (req.method !== 'POST' || match === null) throw new Refused(404, 'not-found');
      const body = Buffer.concat(chunks);
      const row: Row = {
        ...verify(match[1], match[2], req, body),
        body,
        requestId: `ref-${++requestCounter}`,
      };
      enqueue({
        row,
        done: (err, result) => {
          if (err) answer(res, 503, { status: 503, code: 'database-unavailable', detail: err.message });
          else if (result) answer(res, 200, { status: 'accepted', ...result });
          else answer(res, 200, { status: 'duplicate' });
        },
      });
    } catch (err) {
      if (err instanceof Refused) answer(res, err.status, { status: err.status, code: err.message });
      else answer(res, 500, { status: 500, detail: (err as Error).message });
    }
  });
});

server.keepAliveTimeout = 65_000;
server.listen(int('REFERENCE_PORT', 3100), '127.0.0.1', () => {
  process.stdout.write(`reference server listening on ${int('REFERENCE_PORT', 3100)}\n`);
});

const stop = () => {
  server.close();
  void pool.end().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
