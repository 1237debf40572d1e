import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemCode, ProblemException } from 'src/common/problem';
import { Database } from 'src/database/database';
import { isDatabaseUnavailable, isDataException, isIntegrityViolation } from 'src/database/db-errors';
import type {
  IngestOutcome,
  IngestPlan,
  Queryable,
  RawDelivery,
  Rejection,
  WebhookAdapter,
} from 'src/ingestion/ingestion.types';
import { checkPlanLinks, Written } from 'src/ingestion/batch-writer';
import { CommitItem, DuplicateEvent, GroupCommit, stateRowsOf } from 'src/ingestion/group-commit';
import { COUNT_DUPLICATE, FIND_EVENT, INSERT_DELIVERY } from 'src/ingestion/projection.sql';
import { rawBodyOf } from 'src/ingestion/signature';
import type { ProviderName } from 'src/config/provider-registry';
import { storableJson } from 'src/ingestion/storable-json';

/** The delivery as received, as the inbox stores it: the body, the kept headers and the guard's context. */
export function rawDeliveryOf(
  req: Request,
  provider: ProviderName,
  keptHeaders: readonly string[],
  receivedAt = new Date(),
): RawDelivery {
  const headers: Record<string, string> = {};
  for (const name of keptHeaders) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return {
    provider,
    receivedAt,
    requestId: req.requestId,
    contentType: req.headers['content-type'] ?? null,
    headers,
    context: req.webhookContext ?? {},
    body: rawBodyOf(req),
  };
}

function invalidDateIn(plan: IngestPlan): string | null {
  const dates: Array<[string, Date | null | undefined]> = [['event.occurredAt', plan.event.occurredAt]];
  for (const s of plan.sessions ?? [])
    dates.push(['session.startedAt', s.startedAt], ['session.endedAt', s.endedAt]);
  for (const r of plan.recordings ?? []) {
    dates.push(
      ['recording.startedAt', r.startedAt],
      ['recording.endedAt', r.endedAt],
      ['recording.urlExpiresAt', r.urlExpiresAt],
    );
  }
  for (const m of plan.measurements ?? [])
    dates.push(['measurement.startedAt', m.startedAt], ['measurement.endedAt', m.endedAt]);
  const bad = dates.find(([, d]) => d instanceof Date && Number.isNaN(d.getTime()));
  return bad ? bad[0] : null;
}

/**
 * The shared ingestion path every provider uses: store the delivery, de-duplicate, append the event to
 * the timeline and fold it into state, all in one transaction that commits before the sender is answered.
 */
@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  /** Concurrent deliveries share a transaction and batch statements (see group-commit.ts). */
  readonly groupCommit: GroupCommit;

  constructor(private readonly db: Database) {
    this.groupCommit = new GroupCommit(db.pool);
  }

  /** Builds the raw delivery from the request (after the guard passed) and answers for it. */
  async receive<T>(adapter: WebhookAdapter<T>, req: Request): Promise<Record<string, unknown>> {
    const raw = rawDeliveryOf(req, adapter.provider, adapter.keptHeaders);
    req.provider = adapter.provider;
    const result = await this.ingest(adapter, raw);
    req.outcome = result.outcome;
    switch (result.outcome) {
      case 'accepted':
        return { status: 'accepted', deliveryId: result.deliveryId, eventId: result.eventId };
      case 'duplicate':
        return { status: 'duplicate', deliveryId: result.deliveryId, eventId: result.eventId };
      case 'rejected':
        throw this.rejectionProblem(result.rejection, result.deliveryId);
    }
  }

  /** Stores and applies one delivery. Never loses a signed delivery: rejected ones are stored as such. */
  async ingest<T>(adapter: WebhookAdapter<T>, raw: RawDelivery, replayOf?: string): Promise<IngestOutcome> {
    const decoded = await adapter.decode(raw);
    if (!decoded.ok) return this.storeRejected(raw, decoded.rejection, replayOf);

    let plan: IngestPlan;
    try {
      plan = adapter.plan(decoded.value, raw);
      checkPlanLinks(plan);
    } catch (err) {
      throw await this.storeFailed(raw, err, replayOf);
    }
    const badDate = invalidDateIn(plan);
    if (badDate !== null) {
      return this.storeRejected(
        raw,
        { status: 422, code: 'validation-failed', detail: `${badDate} is not a valid date.` },
        replayOf,
      );
    }

    // Everything the delivery writes, in one transaction: one shared with concurrent deliveries, or its own
    // for a replay (which updates its inbox row instead of adding one). Either way it is answered only after
    // that transaction commits.
    const extra = adapter.extraWrites?.(decoded.value, raw);
    const after =
      extra === undefined && replayOf === undefined
        ? undefined
        : async (db: Queryable, written: Written) => {
            if (extra) await extra(db, { eventId: written.eventId });
            if (replayOf !== undefined)
              await this.writeDelivery(db, raw, 'accepted', null, written.eventId, replayOf);
          };
    const item: CommitItem = {
      raw,
      plan,
      insertDelivery: replayOf === undefined,
      rows: stateRowsOf(raw.provider, plan),
      after,
    };
    try {
      const written = await (replayOf === undefined
        ? this.groupCommit.run(item)
        : this.groupCommit.runAlone(item));
      return { outcome: 'accepted', deliveryId: replayOf ?? written.deliveryId!, eventId: written.eventId };
    } catch (err) {
      if (err instanceof DuplicateEvent) return this.countDuplicate(raw, plan.idempotencyKey, replayOf);
      if (isDatabaseUnavailable(err)) throw err;
      if (isDataException(err) || isIntegrityViolation(err)) {
        const detail = `The payload holds a value the database cannot store: ${(err as Error).message}`;
        return this.storeRejected(raw, { status: 422, code: 'unprocessable-data', detail }, replayOf);
      }
      throw await this.storeFailed(raw, err, replayOf);
    }
  }

  private writeDelivery(
    client: Queryable,
    raw: RawDelivery,
    status: 'accepted' | 'rejected' | 'failed',
    error: Record<string, unknown> | null,
    eventId: string | null,
    replayOf: string | undefined,
  ): Promise<string> {
    if (replayOf !== undefined) {
      return client
        .query<{ id: string }>(
          `UPDATE deliveries SET status = $2, error = $3, event_id = COALESCE($4, event_id), attempts = attempts + 1, processed_at = now() WHERE id = $1 RETURNING id`,
          [replayOf, status, error === null ? null : storableJson(error), eventId],
        )
        .then((r) => r.rows[0].id);
    }
    return client
      .query<{ id: string }>(INSERT_DELIVERY, [
        raw.provider,
        raw.receivedAt,
        raw.requestId,
        raw.contentType,
        JSON.stringify(raw.headers),
        JSON.stringify(raw.context),
        raw.body,
        raw.body.length,
        status,
        error === null ? null : storableJson(error),
        eventId,
      ])
      .then((r) => r.rows[0].id);
  }

  /**
   * Stores a delivery a guard read and then refused (e.g. a replayed token) as rejected: never applied, but
   * not lost either. `error` is kept as the delivery's error; returns the delivery id.
   */
  storeRefused(raw: RawDelivery, error: Record<string, unknown>): Promise<string> {
    return this.writeDelivery(this.db, raw, 'rejected', error, null, undefined);
  }

  private async storeRejected(
    raw: RawDelivery,
    rejection: Rejection,
    replayOf?: string,
  ): Promise<IngestOutcome> {
    const deliveryId = await this.writeDelivery(this.db, raw, 'rejected', { ...rejection }, null, replayOf);
    return { outcome: 'rejected', deliveryId, rejection };
  }

  /** Stores a delivery whose processing hit a bug (kept for replay) and returns the 500 to answer with. */
  private async storeFailed(raw: RawDelivery, err: unknown, replayOf?: string): Promise<ProblemException> {
    this.logger.error({
      msg: 'processing failed',
      provider: raw.provider,
      requestId: raw.requestId,
      err: (err as Error)?.stack ?? String(err),
    });
    await this.writeDelivery(
      this.db,
      raw,
      'failed',
      { code: 'processing-failed', detail: (err as Error)?.message ?? String(err) },
      null,
      replayOf,
    );
    return new ProblemException(
      500,
      'processing-failed',
      'Processing failed',
      'The delivery was stored and can be replayed.',
    );
  }

  private async countDuplicate(raw: RawDelivery, key: string, replayOf?: string): Promise<IngestOutcome> {
    if (replayOf !== undefined) {
      // A replayed delivery whose event meanwhile arrived another way: it is settled, link it.
      const { rows } = await this.db.query<{ id: string }>(FIND_EVENT, [raw.provider, key]);
      await this.writeDelivery(this.db, raw, 'accepted', null, rows[0].id, replayOf);
      return { outcome: 'duplicate', deliveryId: replayOf, eventId: rows[0].id };
    }
    const { rows } = await this.db.query<{ delivery_id: string; event_id: string }>(COUNT_DUPLICATE, [
      raw.provider,
      key,
    ]);
    if (rows.length > 0)
      return { outcome: 'duplicate', deliveryId: rows[0].delivery_id, eventId: rows[0].event_id };
    const found = await this.db.query<{ id: string }>(FIND_EVENT, [raw.provider, key]);
    return { outcome: 'duplicate', deliveryId: null, eventId: found.rows[0].id };
  }

  private rejectionProblem(rejection: Rejection, deliveryId: string): ProblemException {
    const titles: Record<number, string> = {
      400: 'Malformed body',
      415: 'Unsupported media type',
      422: 'Validation failed',
    };
    return new ProblemException(
      rejection.status,
      rejection.code as ProblemCode,
      titles[rejection.status],
      rejection.detail,
      {
        deliveryId,
        stored: true,
        ...(rejection.errors ? { errors: rejection.errors } : {}),
      },
    );
  }
}
