import 'reflect-metadata';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { loadConfig } from 'src/config/app-config';
import 'src/providers/providers';
import { EyesonService, REFERENCE_CONTEXT_KEY } from 'src/providers/eyeson/eyeson.service';
import { MillicastService } from 'src/providers/millicast/millicast.service';
import { PerculusService } from 'src/providers/perculus/perculus.service';
import type { ProviderName } from 'src/config/provider-registry';
import { WmsService } from 'src/providers/wms/wms.service';

/**
 * The benchmark's reference: the same job as the service's request path with no framework and no checks of
 * the content, the practical ceiling of this machine for acknowledging deliveries durably. A bare node:http
 * server that verifies each provider's signature exactly as the service does (over the raw bytes, constant
 * time, against every configured secret) and stores the raw delivery (provider, kept headers, the guard's
 * context, the bytes) with a group commit of its own: one multi-row INSERT per batch, up to two batches in
 * flight, each request answered after the commit that holds it. Its table is `reference_inbox`.
 *
 * What it leaves out is what the service adds around that job: Nest and Express (routing, guards, pipes,
 * filters), strict decoding, DTO validation and mapping (for the idempotency key), de-duplication, the
 * security headers, request ids, access logs and metrics, the Perculus token ledger and thumbnail storage.
 *
 * Env: REFERENCE_DATABASE_URL, REFERENCE_PORT, REFERENCE_POOL_SIZE (10), and the service's own variables
 * (secrets, PERCULUS_TOKEN_MAX_AGE_SECONDS, PERCULUS_TOKEN_MAX_FUTURE_SKEW_SECONDS).
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
const POOL_SIZE = int('REFERENCE_POOL_SIZE', 10);
const BODY_LIMIT = 1024 * 1024;
const EYESON_CONTEXT = 'hooktrail/eyeson-callback/v2\n';

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

/** The body as a JSON object (Perculus carries its token inside it), or a 401: no object, no token. */
function jsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Refused(401, 'signature-missing');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Refused(401, 'signature-missing');
  return parsed as Record<string, unknown>;
}

/**
 * Verifies the request as the service's guard for `provider` does; returns what the guard establishes
 * besides the body (the delivery's context).
 */
function verify(
  provider: string,
  token: string | undefined,
  req: IncomingMessage,
  body: Buffer,
): Record<string, string> {
  switch (provider) {
    case 'wms': {
      const provided = hexHeader(req, 'x-wms-content-mac', 'hmac-sha256=', 32);
      anyKey(KEYS.wms, provided, (key) => hmac('sha256', key, body));
      return {};
    }
    case 'millicast': {
      const provided = hexHeader(req, 'x-millicast-signature', 'sha1=', 20);
      anyKey(KEYS.millicast, provided, (key) => hmac('sha1', key, body));
      return {};
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
      return { tokenIssuedAt: new Date(Number(parts[0]) * 1000).toISOString() };
    }
    case 'eyeson': {
      const parts = (token ?? '').split('.');
      if (parts.length !== 3) throw new Refused(401, 'signature-malformed');
      const reference = Buffer.from(parts[0], 'base64url').toString('utf8');
      const mac = Buffer.from(parts[2], 'base64url');
      anyKey(KEYS.eyeson, mac, (key) => hmac('sha256', key, `${EYESON_CONTEXT}${reference}\n${parts[1]}`));
      if (Number(parts[1]) * 1000 <= Date.now()) throw new Refused(401, 'token-expired');
      return { [REFERENCE_CONTEXT_KEY]: reference };
    }
    default:
      throw new Refused(404, 'not-found');
  }
}

const pool = new Pool({ connectionString: env.REFERENCE_DATABASE_URL, max: POOL_SIZE });

/** The headers each provider's adapter keeps in the inbox. */
const KEPT_HEADERS: Record<ProviderName, readonly string[]> = {
  wms: new WmsService().keptHeaders,
  millicast: new MillicastService(loadConfig(env)).keptHeaders,
  perculus: new PerculusService().keptHeaders,
  eyeson: new EyesonService().keptHeaders,
};

interface Raw {
  provider: string;
  receivedAt: Date;
  contentType: string | null;
  headers: Record<string, string>;
  context: Record<string, string>;
  body: Buffer;
}

const TABLE = `CREATE TABLE IF NOT EXISTS reference_inbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, provider text NOT NULL, received_at timestamptz NOT NULL,
  content_type text, headers jsonb NOT NULL, context jsonb NOT NULL, body bytea NOT NULL)`;

const INSERT = `
INSERT INTO reference_inbox (provider, received_at, content_type, headers, context, body)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::jsonb[], $5::jsonb[], $6::bytea[])
RETURNING id`;

interface Waiting {
  raw: Raw;
  resolve: (id: string) => void;
  reject: (err: unknown) => void;
}
let queue: Waiting[] = [];
let running = 0;

/** The group commit: whatever waits when a slot frees goes in one INSERT (one commit). */
function kick(): void {
  while (running < 2 && queue.length > 0) {
    const batch = queue.slice(0, 256);
    queue = queue.slice(batch.length);
    running++;
    const raws = batch.map((w) => w.raw);
    pool
      .query<{ id: string }>(INSERT, [
        raws.map((r) => r.provider),
        raws.map((r) => r.receivedAt),
        raws.map((r) => r.contentType),
        raws.map((r) => JSON.stringify(r.headers)),
        raws.map((r) => JSON.stringify(r.context)),
        raws.map((r) => r.body),
      ])
      .then(
        ({ rows }) => batch.forEach((w, i) => w.resolve(rows[i].id)),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        running--;
        kick();
      });
  }
}

function store(raw: Raw): Promise<Record<string, unknown>> {
  return new Promise<string>((resolve, reject) => {
    queue.push({ raw, resolve, reject });
    if (queue.length === 1) setImmediate(kick);
  }).then((id) => ({ status: 'accepted', deliveryId: id }));
}

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
      const provider = match[1];
      const body = Buffer.concat(chunks);
      const context = verify(provider, match[2], req, body);
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS[provider]) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const raw: Raw = {
        provider,
        receivedAt: new Date(),
        contentType: req.headers['content-type'] ?? null,
        headers,
        context,
        body,
      };
      store(raw).then(
        (body) => answer(res, 200, body),
        (err: Error) => answer(res, 503, { status: 503, code: 'database-unavailable', detail: err.message }),
      );
    } catch (err) {
      if (err instanceof Refused) answer(res, err.status, { status: err.status, code: err.message });
      else answer(res, 500, { status: 500, detail: (err as Error).message });
    }
  });
});

server.keepAliveTimeout = 65_000;
void pool.query(TABLE).then(() =>
  server.listen(int('REFERENCE_PORT', 3100), '127.0.0.1', () => {
    process.stdout.write(`reference server listening on ${int('REFERENCE_PORT', 3100)}\n`);
  }),
);

const stop = () => {
  server.close();
  void pool.end().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
