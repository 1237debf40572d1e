import type { Pool, PoolClient } from 'pg';
import { TEST_API_KEY, TestApp } from './test-app';

/**
 * Rows for the query API tests, written straight into the tables (the providers' ingestion is tested in
 * their own specs). Every helper returns the ids the database assigned.
 */
type Db = Pool | PoolClient;

let counter = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

export interface SessionFixture {
  provider?: string;
  externalId?: string;
  kind?: string;
  status?: string | null;
  startedAt?: Date | null;
  endedAt?: Date | null;
  attributes?: Record<string, unknown>;
  parentId?: string | null;
  updatedAt?: Date;
}

export async function insertSession(
  db: Db,
  s: SessionFixture = {},
): Promise<{ id: string; externalId: string }> {
  const externalId = s.externalId ?? unique('session');
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO sessions (provider, external_id, kind, status, started_at, ended_at, attributes, parent_id,
       first_event_at, last_event_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $5, $6, COALESCE($9, now())) RETURNING id`,
    [
      s.provider ?? 'wms',
      externalId,
      s.kind ?? 'session',
      s.status ?? null,
      s.startedAt ?? null,
      s.endedAt ?? null,
      JSON.stringify(s.attributes ?? {}),
      s.parentId ?? null,
      s.updatedAt ?? null,
    ],
  );
  return { id: rows[0].id, externalId };
}

export interface RecordingFixture {
  provider?: string;
  externalId?: string;
  sessionId?: string | null;
  kind?: string | null;
  status?: string | null;
  durationMs?: number | null;
  sizeBytes?: number | null;
  url?: string | null;
  urlExpiresAt?: Date | null;
  error?: string | null;
  updatedAt?: Date;
}

export async function insertRecording(
  db: Db,
  r: RecordingFixture = {},
): Promise<{ id: string; externalId: string }> {
  const externalId = r.externalId ?? unique('recording');
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO recordings (provider, external_id, session_id, kind, status, duration_ms, size_bytes, url,
       url_expires_at, error, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, now())) RETURNING id`,
    [
      r.provider ?? 'perculus',
      externalId,
      r.sessionId ?? null,
      r.kind ?? null,
      r.status ?? null,
      r.durationMs ?? null,
      r.sizeBytes ?? null,
      r.url ?? null,
      r.urlExpiresAt ?? null,
      r.error ?? null,
      r.updatedAt ?? null,
    ],
  );
  return { id: rows[0].id, externalId };
}

export interface MeasurementFixture {
  provider?: string;
  externalId?: string;
  sessionId?: string | null;
  status?: string | null;
  updatedAt?: Date;
}

export async function insertMeasurement(
  db: Db,
  m: MeasurementFixture = {},
): Promise<{ id: string; externalId: string }> {
  const externalId = m.externalId ?? unique('measurement');
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO measurements (provider, external_id, session_id, status, updated_at)
     VALUES ($1, $2, $3, $4, COALESCE($5, now())) RETURNING id`,
    [m.provider ?? 'wms', externalId, m.sessionId ?? null, m.status ?? null, m.updatedAt ?? null],
  );
  return { id: rows[0].id, externalId };
}

export async function insertSample(
  db: Db,
  measurementId: string,
  series: string,
  sequence: number,
  value: number,
  occurredAt: Date,
): Promise<void> {
  await db.query(
    'INSERT INTO measurement_samples (measurement_id, series, sequence, value, occurred_at) VALUES ($1, $2, $3, $4, $5)',
    [measurementId, series, sequence, value, occurredAt],
  );
}

export interface EventFixture {
  provider?: string;
  type?: string;
  known?: boolean;
  severity?: string | null;
  occurredAt?: Date;
  sequence?: number | null;
  receivedAt?: Date;
  sessionId?: string | null;
  recordingId?: string | null;
  measurementId?: string | null;
  payload?: unknown;
  /** When the row was written by the database's clock; the column's default (now) unless given. */
  recordedAt?: Date;
}

export async function insertEvent(db: Db, e: EventFixture = {}): Promise<{ id: string; txId: string }> {
  const { rows } = await db.query<{ id: string; tx_id: string }>(
    `INSERT INTO events (provider, idempotency_key, type, known, severity, occurred_at, sequence, received_at,
       session_id, recording_id, measurement_id, payload, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, COALESCE($13, clock_timestamp())) RETURNING id, tx_id`,
    [
      e.provider ?? 'wms',
      unique('event'),
      e.type ?? 'MEASUREMENT_CREATED',
      e.known ?? true,
      e.severity ?? null,
      e.occurredAt ?? new Date(),
      e.sequence ?? null,
      e.receivedAt ?? new Date(),
      e.sessionId ?? null,
      e.recordingId ?? null,
      e.measurementId ?? null,
      JSON.stringify(e.payload ?? {}),
      e.recordedAt ?? null,
    ],
  );
  return { id: rows[0].id, txId: rows[0].tx_id };
}

export interface DeliveryFixture {
  provider?: string;
  status?: 'pending' | 'projected' | 'rejected' | 'failed';
  contentType?: string | null;
  headers?: Record<string, string>;
  body?: Buffer | null;
  bodySize?: number;
  error?: Record<string, unknown> | null;
  eventId?: string | null;
  duplicateCount?: number;
  attempts?: number;
  receivedAt?: Date;
}

export async function insertDelivery(db: Db, d: DeliveryFixture = {}): Promise<string> {
  const body = d.body === undefined ? Buffer.from('{"ok":true}') : d.body;
  const { rows } = await db.query<{ id: string }>(
    `WITH d AS (
       INSERT INTO deliveries (provider, received_at, request_id, content_type, headers, context, body, body_size,
         body_purged_at, status, error, event_id, attempts, processed_at)
       VALUES ($1, $2, $3, $4, $5, '{}', $6, $7, $8, $9, $10, $11, $13, now()) RETURNING id
     ), x AS (
       INSERT INTO delivery_duplicates (delivery_id, count, last_at) SELECT id, $12, now() FROM d WHERE $12 > 0
     )
     SELECT id FROM d`,
    [
      d.provider ?? 'wms',
      d.receivedAt ?? new Date(),
      unique('req'),
      d.contentType === undefined ? 'application/json' : d.contentType,
      JSON.stringify(d.headers ?? { 'content-type': 'application/json' }),
      body,
      d.bodySize ?? body?.length ?? 0,
      body === null ? new Date() : null,
      d.status ?? 'rejected',
      d.error === undefined ? { status: 422, code: 'validation-failed', detail: 'bad' } : d.error,
      d.eventId ?? null,
      d.duplicateCount ?? 0,
      d.attempts ?? 1,
    ],
  );
  return rows[0].id;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * `get(path)`: a request with the test API key; `page(path)`: a listing answered 200. Takes the app as a
 * function because the spec starts it in `beforeAll`, after this is called.
 */
export function apiClient(app: () => TestApp) {
  const get = (path: string) => app().http().get(path).set('Authorization', `Bearer ${TEST_API_KEY}`);
  const page = async <T>(path: string): Promise<Page<T>> => (await get(path).expect(200)).body as Page<T>;
  return { get, page };
}

/** Follows `nextCursor` to the end and returns every item, failing on a loop. */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  between?: (pageIndex: number) => Promise<void>,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await fetchPage(cursor);
    all.push(...result.items);
    if (result.nextCursor === null) return all;
    cursor = result.nextCursor;
    if (between) await between(page);
  }
  throw new Error('pagination did not end within 1000 pages');
}

/**
 * Reads until `done` holds or the time is up, and returns the last value read (assert on it). The event
 * feed only shows events once every older transaction on the Postgres server has finished, and other
 * test files run transactions (migrations, ingestion) on the same server: a poller sees events late, but
 * never loses one.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
