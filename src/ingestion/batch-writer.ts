import type { PoolClient } from 'pg';
import type { IngestPlan, RawDelivery, StatusChange } from 'src/ingestion/ingestion.types';
import { orderKey } from 'src/ingestion/order-key';
import { BodyKeeping, keptBody } from 'src/ingestion/inbox-body';
import { BATCH_FUNCTION, initialFieldVersions } from 'src/ingestion/projection.sql';

/** One delivery to write: what was received and what it means. */
export interface WriteItem {
  raw: RawDelivery;
  plan: IngestPlan;
  /** Write its inbox row as accepted (a replay updates the row it already has instead). */
  insertDelivery: boolean;
}

export interface Written {
  eventId: string;
  /** Null when the item's inbox row was not written here (`insertDelivery: false`). */
  deliveryId: string | null;
}

type Row = Record<string, unknown>;

/**
 * A batch as the batch function takes it (see BATCH_FUNCTION): the projection rows in rounds (each round one
 * statement, run in order), then the samples, the events and the inbox rows. References to other rows are by
 * external id; `o` is a row's place in its statement.
 */
export interface BatchInput {
  sessions: Row[][];
  recordings: Row[][];
  measurements: Row[][];
  samples: Row[];
  events: Row[];
  deliveries: Row[];
}

/**
 * Rows of one table in rounds, where rows with the same key go to successive rounds: a single
 * INSERT ... ON CONFLICT DO UPDATE may not write one row twice, and the projection rules make the result of
 * applying one row's changes one after another independent of how they are grouped.
 */
class Rounds {
  private readonly rounds: Row[][] = [];
  private readonly seen = new Map<string, number>();

  add(key: string, row: Row): void {
    const round = this.seen.get(key) ?? 0;
    this.seen.set(key, round + 1);
    const rows = (this.rounds[round] ??= []);
    rows.push({ ...row, o: rows.length });
  }

  all(): Row[][] {
    return this.rounds;
  }
}

interface Change {
  status?: StatusChange;
  startedAt?: Date | null;
  endedAt?: Date | null;
  attributes?: Record<string, unknown>;
}

/**
 * The input row of a projection upsert: the common columns, then the table's own `inputs`. `fields` are the
 * table's scalar columns with the value the change gives them (or null/undefined): those given start at the
 * event's version in a new row's field versions.
 */
function projectionRow(
  provider: string,
  externalId: string,
  version: string,
  eventAt: Date,
  change: Change,
  inputs: Record<string, unknown> = {},
  fields: Record<string, unknown> = {},
): Row {
  return {
    provider,
    external_id: externalId,
    status: change.status?.value ?? null,
    status_rank: change.status?.rank ?? 0,
    version,
    started_at: change.startedAt ?? null,
    ended_at: change.endedAt ?? null,
    attributes: change.attributes ?? {},
    event_at: eventAt,
    field_versions: initialFieldVersions(version, fields, change.attributes),
    ...inputs,
  };
}

/**
 * The rows that write `items`, in the order they must be written: sessions that others name as parent first,
 * then every other session a plan touches (its own changes, or just "exists" for sessions it refers to),
 * recordings, measurements, samples, and the events with their inbox rows. Pure, so it is tested on its own.
 *
 * The rows a delivery writes are those applying its plan alone would write: a session it refers to without
 * changing it is still touched (first/last event time), which applying it twice would not change.
 */
export function batchInput(items: readonly WriteItem[]): BatchInput {
  const parents = new Rounds();
  const sessions = new Rounds();
  const recordings = new Rounds();
  const measurements = new Rounds();
  const samples: Row[] = [];
  const events: Row[] = [];
  const deliveries: Row[] = [];

  for (const { raw, plan, insertDelivery } of items) {
    const { provider } = raw;
    const { event } = plan;
    const version = orderKey(event.occurredAt, event.sequence, plan.idempotencyKey);
    const at = event.occurredAt;
    const touched = new Set<string>();
    const referred = new Set<string>();
    const refer = (id: string | undefined) => {
      if (id !== undefined) referred.add(id);
    };

    const key = (externalId: string) => `${provider}\u0000${externalId}`;

    for (const s of plan.sessions ?? []) {
      touched.add(s.externalId);
      const parent = s.parentExternalId;
      if (parent !== undefined) parents.add(key(parent), projectionRow(provider, parent, version, at, {}));
      const inputs = { kind: s.kind ?? null, parent_external_id: parent ?? null };
      const fields = { kind: s.kind, parent_id: parent };
      sessions.add(key(s.externalId), projectionRow(provider, s.externalId, version, at, s, inputs, fields));
    }
    for (const r of plan.recordings ?? []) {
      refer(r.sessionExternalId);
      const values = {
        kind: r.kind ?? null,
        duration_ms: r.durationMs ?? null,
        size_bytes: r.sizeBytes ?? null,
        url: r.url ?? null,
        url_expires_at: r.urlExpiresAt ?? null,
        error: r.error ?? null,
      };
      const inputs = { ...values, session_external_id: r.sessionExternalId ?? null };
      const fields = { ...values, session_id: r.sessionExternalId };
      recordings.add(
        key(r.externalId),
        projectionRow(provider, r.externalId, version, at, r, inputs, fields),
      );
    }
    for (const m of plan.measurements ?? []) {
      refer(m.sessionExternalId);
      const inputs = { session_external_id: m.sessionExternalId ?? null };
      const fields = { session_id: m.sessionExternalId };
      measurements.add(
        key(m.externalId),
        projectionRow(provider, m.externalId, version, at, m, inputs, fields),
      );
    }
    refer(event.sessionExternalId);
    for (const id of referred) {
      if (!touched.has(id)) sessions.add(key(id), projectionRow(provider, id, version, at, {}));
    }

    for (const sample of plan.samples ?? []) {
      samples.push({
        o: samples.length,
        provider,
        measurement_external_id: sample.measurementExternalId,
        series: sample.series,
        sequence: sample.sequence,
        value: sample.value,
        occurred_at: at,
      });
    }
    events.push({
      o: events.length,
      provider,
      idempotency_key: plan.idempotencyKey,
      type: event.type,
      known: event.known,
      severity: event.severity ?? null,
      occurred_at: at,
      sequence: event.sequence ?? null,
      received_at: raw.receivedAt,
      session_external_id: event.sessionExternalId ?? null,
      recording_external_id: event.recordingExternalId ?? null,
      measurement_external_id: event.measurementExternalId ?? null,
      payload: event.payload,
    });
    if (insertDelivery) {
      deliveries.push({
        o: deliveries.length,
        provider,
        idempotency_key: plan.idempotencyKey,
        received_at: raw.receivedAt,
        request_id: raw.requestId,
        content_type: raw.contentType,
        headers: raw.headers,
        context: raw.context,
        ...inboxBodyRow(raw.body, plan.inboxBody ?? 'full'),
        body_size: raw.body.length,
      });
    }
  }

  return {
    sessions: [...parents.all(), ...sessions.all()],
    recordings: recordings.all(),
    measurements: measurements.all(),
    samples,
    events,
    deliveries,
  };
}

/**
 * Checks that a plan's links stay inside the plan (an event or a sample naming a recording or measurement
 * the plan does not write is a mapper bug, not data to store half-linked). Throws with what is wrong.
 */
export function checkPlanLinks(plan: IngestPlan): void {
  const recordings = new Set((plan.recordings ?? []).map((r) => r.externalId));
  const measurements = new Set((plan.measurements ?? []).map((m) => m.externalId));
  const { recordingExternalId, measurementExternalId } = plan.event;
  if (recordingExternalId !== undefined && !recordings.has(recordingExternalId))
    throw new Error(`event links recording ${recordingExternalId} that is not in the plan`);
  if (measurementExternalId !== undefined && !measurements.has(measurementExternalId))
    throw new Error(`event links measurement ${measurementExternalId} that is not in the plan`);
  for (const sample of plan.samples ?? []) {
    if (!measurements.has(sample.measurementExternalId))
      throw new Error(`sample for measurement ${sample.measurementExternalId} not in plan.measurements`);
  }
}

const created = new WeakSet<PoolClient>();

/** Creates the batch function on this connection, once (a temporary function: it lives as long as the session). */
export async function createBatchFunction(client: PoolClient): Promise<void> {
  if (created.has(client)) return;
  await client.query(BATCH_FUNCTION);
  created.add(client);
}

/** A JSON text as an SQL literal: dollar-quoted (taken as is, nothing to escape) unless it holds the tag. */
function jsonLiteral(client: PoolClient, value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('$hb$') ? client.escapeLiteral(text) : `$hb$${text}$hb$`;
}

/** Statements sent in the same round trip before and after the batch (e.g. BEGIN, COMMIT). */
export interface Framing {
  before: string[];
  after: string[];
}

/**
 * Writes the items' rows in one round trip: one call of the batch function with every row as one JSON
 * literal, sent as a multi-statement query with `framing` around it, so that opening and committing the
 * transaction cost no round trip of their own. Returns, for each item in order, its event id and inbox
 * row id.
 */
export async function writeBatch(
  client: PoolClient,
  items: readonly WriteItem[],
  framing: Framing = { before: [], after: [] },
): Promise<Written[]> {
  const call = `SELECT * FROM pg_temp.hooktrail_write_batch(${jsonLiteral(client, batchInput(items))})`;
  const result = (await client.query([...framing.before, call, ...framing.after].join(';\n'))) as unknown as
    Array<{ rows: Array<Record<string, string | null>> }> | { rows: Array<Record<string, string | null>> };
  const rows = (Array.isArray(result) ? result[framing.before.length] : result).rows;
  const written = new Map(
    rows.map((r) => [
      `${r.event_provider}\u0000${r.event_key}`,
      { eventId: r.event_id!, deliveryId: r.delivery_id },
    ]),
  );
  return items.map(({ raw, plan }) => {
    const w = written.get(`${raw.provider}\u0000${plan.idempotencyKey}`);
    if (w === undefined) throw new Error(`event ${plan.idempotencyKey} of ${raw.provider} was not written`);
    return w;
  });
}

/** The batch function's `body` (base64) and `body_sha256` (hex) of an inbox row. */
function inboxBodyRow(
  body: Buffer,
  keeping: BodyKeeping,
): { body: string | null; body_sha256: string | null } {
  const kept = keptBody(body, keeping);
  return { body: kept.body?.toString('base64') ?? null, body_sha256: kept.sha256?.toString('hex') ?? null };
}
