import 'reflect-metadata';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { loadConfig } from 'src/config/app-config';
import 'src/providers/providers';
import { checkPlanLinks } from 'src/ingestion/batch-writer';
import { DuplicateEvent, GroupCommit, stateRowsOf } from 'src/ingestion/group-commit';
import type { ExtraWrites, IngestPlan, RawDelivery } from 'src/ingestion/ingestion.types';
import { planEyeson, type EyesonDelivery } from 'src/providers/eyeson/eyeson.mapper';
import { EyesonService, REFERENCE_CONTEXT_KEY } from 'src/providers/eyeson/eyeson.service';
import { classifyHook, type MillicastPayload } from 'src/providers/millicast/millicast-hooks';
import { mapMillicastHook } from 'src/providers/millicast/millicast.mapper';
import {
  isThumbnailContentType,
  MillicastService,
  thumbnailPayload,
} from 'src/providers/millicast/millicast.service';
import { perculusFamily, planPerculus, type PerculusMessage } from 'src/providers/perculus/perculus.mapper';
import { PerculusService } from 'src/providers/perculus/perculus.service';
import type { ProviderName } from 'src/config/provider-registry';
import type { ThumbnailHeadersDto } from 'src/providers/millicast/dto/thumbnail-headers.dto';
import type { WmsEnvelopeDto } from 'src/providers/wms/dto/wms-envelope.dto';
import { mapWmsEvent } from 'src/providers/wms/wms.mapper';
import { WmsService } from 'src/providers/wms/wms.service';

/**
 * The benchmark's reference: the same job as the service with no framework around it, the practical ceiling
 * of this machine for it. A bare node:http server that verifies each provider's signature exactly as the
 * service does (over the raw bytes, constant time, against every configured secret), parses the JSON, maps it
 * with the providers' pure mappers and writes the same rows (inbox, timeline event, sessions, recordings,
 * measurements, samples, thumbnails) with the same batch statements and group commit
 * (src/ingestion/group-commit.ts), answering each request after the COMMIT that holds it.
 *
 * What it leaves out is what the service adds around that job: Nest and Express (routing, guards, pipes,
 * filters), DTO validation (class-validator), the security headers, request ids, access logs and metrics, and
 * the Perculus token ledger. It trusts the bench's deliveries to be valid.
 *
 * Env: REFERENCE_DATABASE_URL, REFERENCE_PORT, REFERENCE_POOL_SIZE (10), and the service's own variables
 * (secrets, PERCULUS_TOKEN_MAX_AGE_SECONDS, PERCULUS_TOKEN_MAX_FUTURE_SKEW_SECONDS, Millicast thumbnail limits).
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

const config = loadConfig(env);
const millicast = new MillicastService(config);
const pool = new Pool({ connectionString: env.REFERENCE_DATABASE_URL, max: POOL_SIZE });
const groupCommit = new GroupCommit(pool);

/** The headers each provider's adapter keeps in the inbox. */
const KEPT_HEADERS: Record<ProviderName, readonly string[]> = {
  wms: new WmsService().keptHeaders,
  millicast: millicast.keptHeaders,
  perculus: new PerculusService().keptHeaders,
  eyeson: new EyesonService().keptHeaders,
};

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/**
 * The mapper input the service's adapter would build, read straight from the parsed body (no validation),
 * and the adapter's own extra writes (Millicast thumbnails).
 */
function planOf(raw: RawDelivery): {
  plan: IngestPlan;
  after?: ExtraWrites;
} {
  if (raw.provider === 'millicast' && isThumbnailContentType(raw.contentType)) {
    const payload = thumbnailPayload(raw.headers as unknown as ThumbnailHeadersDto, raw.body);
    return {
      plan: mapMillicastHook(payload),
      after: millicast.extraWrites(payload),
    };
  }
  const json = JSON.parse(raw.body.toString('utf8')) as Record<string, unknown>;
  switch (raw.provider) {
    case 'wms':
      return { plan: mapWmsEvent(json as unknown as WmsEnvelopeDto) };
    case 'millicast': {
      const [type, event, timestamp] = [String(json.type), String(json.event), Number(json.timestamp)];
      const envelope = { type, event, timestamp, body: json, bodySha256: sha256(raw.body) };
      const hook = classifyHook(type, event);
      const payload = (
        hook === null ? { family: 'unknown', envelope } : { ...hook, envelope, data: json.data ?? {} }
      ) as MillicastPayload;
      return { plan: mapMillicastHook(payload) };
    }
    case 'perculus': {
      const message = {
        family: perculusFamily(json.type),
        body: json,
        plain: json,
      } as unknown as PerculusMessage;
      return { plan: planPerculus(message, raw.receivedAt) };
    }
    case 'eyeson': {
      const status = String(json.status);
      const known = ['upload_ready', 'upload_failed', 'session_finished', 'supervisor_session_finished'];
      const delivery = {
        reference: raw.context[REFERENCE_CONTEXT_KEY],
        event: { kind: known.includes(status) ? status : 'other', data: json },
        payload: json,
        bodySha256: sha256(raw.body),
        receivedAt: raw.receivedAt,
      } as unknown as EyesonDelivery;
      return { plan: planEyeson(delivery) };
    }
    default:
      throw new Error(`the reference server does not map ${raw.provider} deliveries`);
  }
}

let requestCounter = 0;

/** Maps the delivery as the service does and writes it with the same group commit. */
async function store(raw: RawDelivery): Promise<Record<string, unknown>> {
  const { plan, after } = planOf(raw);
  checkPlanLinks(plan);
  try {
    const written = await groupCommit.run({
      raw,
      plan,
      insertDelivery: true,
      rows: stateRowsOf(raw.provider, plan),
      after: after ? (db, w) => after(db, { eventId: w.eventId }) : undefined,
    });
    return { status: 'accepted', ...written };
  } catch (err) {
    if (err instanceof DuplicateEvent) return { status: 'duplicate' };
    throw err;
  }
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
      const raw: RawDelivery = {
        provider,
        receivedAt: new Date(),
        requestId: `ref-${++requestCounter}`,
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
server.listen(int('REFERENCE_PORT', 3100), '127.0.0.1', () => {
  process.stdout.write(`reference server listening on ${int('REFERENCE_PORT', 3100)}\n`);
});

const stop = () => {
  server.close();
  void pool.end().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
