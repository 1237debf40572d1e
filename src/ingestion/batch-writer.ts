import type { PoolClient } from 'pg';
import type { IngestPlan, RawDelivery, StatusChange } from 'src/ingestion/ingestion.types';
import { orderKey } from 'src/ingestion/order-key';
import {
  initialFieldVersions,
  INSERT_EVENTS_AND_DELIVERIES,
  INSERT_SAMPLES,
  UPSERT_MEASUREMENTS,
  UPSERT_RECORDINGS,
  UPSERT_SESSIONS,
} from 'src/ingestion/projection.sql';

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

/** The batch statements, prepared once per connection under these names. */
const STATEMENTS = {
  hooktrail_w_sessions: UPSERT_SESSIONS,
  hooktrail_w_recordings: UPSERT_RECORDINGS,
  hooktrail_w_measurements: UPSERT_MEASUREMENTS,
  hooktrail_w_samples: INSERT_SAMPLES,
  hooktrail_w_events: INSERT_EVENTS_AND_DELIVERIES,
} as const;
type StatementName = keyof typeof STATEMENTS;

/** The table whose ids a statement returns, and the column of the returned rows that names them. */
const RETURNS: Record<StatementName, { table: string; key: string } | null> = {
  hooktrail_w_sessions: { table: 'session', key: 'external_id' },
  hooktrail_w_recordings: { table: 'recording', key: 'external_id' },
  hooktrail_w_measurements: { table: 'measurement', key: 'external_id' },
  hooktrail_w_samples: null,
  hooktrail_w_events: { table: 'event', key: 'idempotency_key' },
};

/** The ids a statement's rows need: [column, table, input field holding the referenced key]. */
const REFERENCES: Record<StatementName, Array<[string, string, string]>> = {
  hooktrail_w_sessions: [['parent_id', 'session', 'parent_external_id']],
  hooktrail_w_recordings: [['session_id', 'session', 'session_external_id']],
  hooktrail_w_measurements: [['session_id', 'session', 'session_external_id']],
  hooktrail_w_samples: [['measurement_id', 'measurement', 'measurement_external_id']],
  hooktrail_w_events: [
    ['session_id', 'session', 'session_external_id'],
    ['recording_id', 'recording', 'recording_external_id'],
    ['measurement_id', 'measurement', 'measurement_external_id'],
  ],
};

/**
 * One execution of a batch statement: its name, its input rows (references to other rows by their external
 * ids, turned into ids when sent), for the events statement also the inbox rows, and its stage: executions
 * of one stage need only ids returned by earlier stages, so a stage is sent as one multi-statement query.
 */
export interface Execution {
  name: StatementName;
  stage: number;
  rows: Array<Record<string, unknown>>;
  deliveries?: Array<Record<string, unknown>>;
}

/**
 * A statement run over rows in order, where rows with the same key go to successive executions: a single
 * INSERT ... ON CONFLICT DO UPDATE may not write one row twice, and the projection rules make the result of
 * applying one row's changes one after another independent of how they are grouped.
 */
class Rounds {
  private readonly rounds: Array<Array<Record<string, unknown>>> = [];
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly name: StatementName,
    private readonly stage: number,
  ) {}

  add(key: string, row: Record<string, unknown>): void {
    const round = this.seen.get(key) ?? 0;
    this.seen.set(key, round + 1);
    (this.rounds[round] ??= []).push(row);
  }

  executions(): Execution[] {
    return this.rounds.map((rows) => ({
      name: this.name,
      stage: this.stage,
      rows: rows.map((r, o) => ({ ...r, o })),
    }));
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
): Record<string, unknown> {
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
 * The executions that write `items`, in the order they must run: sessions that others name as parent first,
 * then every other session a plan touches (its own changes, or just "exists" for sessions it refers to),
 * recordings, measurements, samples, and the events with their inbox rows. Pure, so it is tested on its own.
 *
 * The rows a delivery writes are those applying its plan alone would write: a session it refers to without
 * changing it is still touched (first/last event time), which applying it twice would not change.
 */
export function batchExecutions(items: readonly WriteItem[]): Execution[] {
  const parents = new Rounds('hooktrail_w_sessions', 0);
  const sessions = new Rounds('hooktrail_w_sessions', 1);
  const recordings = new Rounds('hooktrail_w_recordings', 2);
  const measurements = new Rounds('hooktrail_w_measurements', 2);
  const samples: Array<Record<string, unknown>> = [];
  const events: Array<Record<string, unknown>> = [];
  const deliveries: Array<Record<string, unknown>> = [];

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
        body: raw.body.toString('base64'),
        body_size: raw.body.length,
      });
    }
  }

  return [
    ...parents.executions(),
    ...sessions.executions(),
    ...recordings.executions(),
    ...measurements.executions(),
    ...(samples.length > 0 ? [{ name: 'hooktrail_w_samples' as const, stage: 3, rows: samples }] : []),
    { name: 'hooktrail_w_events', stage: 3, rows: events, deliveries },
  ];
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

const prepared = new WeakSet<PoolClient>();

/** Prepares the batch statements on this connection, once (outside any transaction). */
export async function prepareBatchStatements(client: PoolClient): Promise<void> {
  if (prepared.has(client)) return;
  await client.query(
    Object.entries(STATEMENTS)
      .map(([name, text]) => `PREPARE ${name} AS ${text}`)
      .join(';\n'),
  );
  prepared.add(client);
}

/** Ids of rows written so far in a batch, by table, provider and external id (or idempotency key). */
class Ids {
  private readonly ids = new Map<string, string>();

  set(table: string, provider: string, key: string, id: string): void {
    this.ids.set(`${table}\u0000${provider}\u0000${key}`, id);
  }

  get(table: string, provider: string, key: string): string {
    const id = this.ids.get(`${table}\u0000${provider}\u0000${key}`);
    if (id === undefined) throw new Error(`no ${table} ${key} of ${provider} was written in this batch`);
    return id;
  }
}

/** The execution's rows as sent: each reference replaced by the id it names. */
function resolved(execution: Execution, ids: Ids): Array<Record<string, unknown>> {
  const references = REFERENCES[execution.name];
  return execution.rows.map((row) => {
    const out = { ...row };
    for (const [column, table, field] of references) {
      const key = row[field];
      out[column] = typeof key === 'string' ? ids.get(table, String(row.provider), key) : null;
    }
    return out;
  });
}

/** A JSON text as an SQL literal: dollar-quoted (taken as is, nothing to escape) unless it holds the tag. */
function jsonLiteral(client: PoolClient, value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('$hb$') ? client.escapeLiteral(text) : `$hb$${text}$hb$`;
}

type ResultRows = Array<Record<string, string>>;

/** Statements sent with the first and the last round trip of a batch (e.g. BEGIN, COMMIT). */
export interface Framing {
  before: string[];
  after: string[];
}

/**
 * Writes the items' rows inside a transaction, one round trip per stage (at most four: parent sessions,
 * sessions, recordings and measurements, samples and events with their inbox rows): every execution of a
 * stage is an EXECUTE of a prepared statement with its rows as JSON literals, all sent as one
 * multi-statement query. `framing` adds statements to the first and last of them, so that opening and
 * committing the transaction cost no round trip of their own. Returns, for each item in order, its event
 * id and inbox row id.
 */
export async function writeBatch(
  client: PoolClient,
  items: readonly WriteItem[],
  framing: Framing = { before: [], after: [] },
): Promise<Written[]> {
  const executions = batchExecutions(items);
  const stages = [...new Set(executions.map((e) => e.stage))];
  const ids = new Ids();
  const deliveryIds = new Map<string, string>();
  for (const [n, stage] of stages.entries()) {
    const sent = executions.filter((e) => e.stage === stage);
    const before = n === 0 ? framing.before : [];
    const after = n === stages.length - 1 ? framing.after : [];
    const executes = sent.map((e) => {
      const args = [resolved(e, ids), ...(e.deliveries ? [e.deliveries] : [])];
      return `EXECUTE ${e.name}(${args.map((a) => jsonLiteral(client, a)).join(', ')})`;
    });
    const result = (await client.query([...before, ...executes, ...after].join(';\n'))) as unknown as
      Array<{ rows: ResultRows }> | { rows: ResultRows };
    const results = Array.isArray(result) ? result : [result];
    sent.forEach((e, i) => {
      const returns = RETURNS[e.name];
      for (const row of results[before.length + i].rows) {
        if (returns !== null) ids.set(returns.table, row.provider, row[returns.key], row.id);
        if (row.delivery_id) deliveryIds.set(row.id, row.delivery_id);
      }
    });
  }
  return items.map(({ raw, plan }) => {
    const eventId = ids.get('event', raw.provider, plan.idempotencyKey);
    return { eventId, deliveryId: deliveryIds.get(eventId) ?? null };
  });
}
