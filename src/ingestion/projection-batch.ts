import type { IngestPlan, Queryable, RawDelivery, StatusChange } from 'src/ingestion/ingestion.types';
import { orderKey } from 'src/ingestion/order-key';
import { PROJECT_BATCH } from 'src/ingestion/projection.sql';

/** One inbox row to project: its id and what its delivery means. */
export interface ProjectionItem {
  deliveryId: string;
  raw: RawDelivery;
  plan: IngestPlan;
}

type Row = Record<string, unknown>;

/**
 * A batch as the projection function takes it (`hooktrail_project`, created by a migration): the projection
 * rows in rounds (each round one statement, run in order), then the samples and the events, each event with
 * the inbox row that brought it. References to other rows are by external id; `o` is a row's place in its
 * statement. Column inputs are named as the columns (snake_case of the change's fields).
 */
export interface BatchInput {
  sessions: Row[][];
  recordings: Row[][];
  measurements: Row[][];
  samples: Row[];
  events: Row[];
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
  externalId: string;
  status?: StatusChange;
  startedAt?: Date | null;
  endedAt?: Date | null;
  attributes?: Record<string, unknown>;
}

/** Fields every projection change has, or that refer to another row: not columns of their own. */
const SHARED_FIELDS = new Set([
  'externalId',
  'status',
  'startedAt',
  'endedAt',
  'attributes',
  'sessionExternalId',
  'parentExternalId',
]);

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * A change's own scalar columns (a recording's `durationMs` is column `duration_ms`): a new column needs its
 * entity, its migration and the mapper that sets it, nothing here.
 */
function ownColumns(change: Change): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(change))
    if (!SHARED_FIELDS.has(field)) columns[snakeCase(field)] = value ?? null;
  return columns;
}

/** The `field_versions` a new row starts with: every field the change sets, at the event's version. */
function initialFieldVersions(
  version: string,
  scalars: Record<string, unknown>,
  attributes: Record<string, unknown> | undefined,
): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const [column, value] of Object.entries(scalars))
    if (value !== null && value !== undefined) versions[column] = version;
  for (const key of Object.keys(attributes ?? {})) versions[`a.${key}`] = version;
  return versions;
}

/**
 * The input row of a projection upsert: the common columns, then the table's own `inputs`. `fields` are the
 * table's scalar columns with the value the change gives them (or null/undefined): those given start at the
 * event's version in a new row's field versions.
 */
function projectionRow(
  provider: string,
  version: string,
  eventAt: Date,
  change: Change,
  inputs: Record<string, unknown> = {},
  fields: Record<string, unknown> = {},
): Row {
  return {
    provider,
    external_id: change.externalId,
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
export function batchInput(items: readonly ProjectionItem[]): BatchInput {
  const parents = new Rounds();
  const sessions = new Rounds();
  const recordings = new Rounds();
  const measurements = new Rounds();
  const samples: Row[] = [];
  const events: Row[] = [];

  for (const { deliveryId, raw, plan } of items) {
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
      if (parent !== undefined)
        parents.add(key(parent), projectionRow(provider, version, at, { externalId: parent }));
      const own = ownColumns(s);
      const inputs = { ...own, parent_external_id: parent ?? null };
      const fields = { ...own, parent_id: parent };
      sessions.add(key(s.externalId), projectionRow(provider, version, at, s, inputs, fields));
    }
    for (const r of plan.recordings ?? []) {
      refer(r.sessionExternalId);
      const own = ownColumns(r);
      const inputs = { ...own, session_external_id: r.sessionExternalId ?? null };
      const fields = { ...own, session_id: r.sessionExternalId };
      recordings.add(key(r.externalId), projectionRow(provider, version, at, r, inputs, fields));
    }
    for (const m of plan.measurements ?? []) {
      refer(m.sessionExternalId);
      const own = ownColumns(m);
      const inputs = { ...own, session_external_id: m.sessionExternalId ?? null };
      const fields = { ...own, session_id: m.sessionExternalId };
      measurements.add(key(m.externalId), projectionRow(provider, version, at, m, inputs, fields));
    }
    refer(event.sessionExternalId);
    for (const id of referred) {
      if (!touched.has(id)) sessions.add(key(id), projectionRow(provider, version, at, { externalId: id }));
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
      delivery_id: deliveryId,
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
  }

  return {
    sessions: [...parents.all(), ...sessions.all()],
    recordings: recordings.all(),
    measurements: measurements.all(),
    samples,
    events,
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

/**
 * Projects the items in one round trip (one call of the projection function, its input a bind parameter) and
 * returns the event id of each item's inbox row. Runs in the caller's transaction.
 */
export async function projectBatch(
  db: Queryable,
  items: readonly ProjectionItem[],
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ delivery_id: string; event_id: string }>(PROJECT_BATCH, [
    JSON.stringify(batchInput(items)),
  ]);
  return new Map(rows.map((r) => [r.delivery_id, r.event_id]));
}
