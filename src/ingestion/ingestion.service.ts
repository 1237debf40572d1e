import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemCode, ProblemException } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { Database } from 'src/database/database';
import { GroupCommit } from 'src/ingestion/group-commit';
import { BodyKeeping, InboxBodyPolicy, keptBody } from 'src/ingestion/inbox-body';
import type {
  ExtraWrites,
  IngestOutcome,
  IngestPlan,
  Queryable,
  RawDelivery,
  Rejection,
  WebhookAdapter,
} from 'src/ingestion/ingestion.types';
import { checkPlanLinks } from 'src/ingestion/projection-batch';
import { INSERT_DELIVERY } from 'src/ingestion/projection.sql';
import { Projector } from 'src/ingestion/projector';
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

/** Postgres' bigint range. */
const BIGINT_MAX = 2n ** 63n - 1n;

function isBigint(n: number | null | undefined): boolean {
  if (n === null || n === undefined) return true;
  return Number.isInteger(n) && BigInt(n) <= BIGINT_MAX && BigInt(n) >= -BIGINT_MAX - 1n;
}

/** A plan value its column cannot hold (checked before acknowledging, so that projecting it cannot fail). */
function unstorableValueIn(plan: IngestPlan): string | null {
  const integers: Array<[string, number | null | undefined]> = [['event.sequence', plan.event.sequence]];
  for (const r of plan.recordings ?? [])
    integers.push(['recording.durationMs', r.durationMs], ['recording.sizeBytes', r.sizeBytes]);
  for (const sample of plan.samples ?? []) integers.push(['sample.sequence', sample.sequence]);
  const bad = integers.find(([, n]) => !isBigint(n));
  if (bad) return `${bad[0]} is not a whole number a 64-bit integer can hold.`;
  const badDate = invalidDateIn(plan);
  return badDate === null ? null : `${badDate} is not a valid date.`;
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

/** What the request path made of a delivery before storing it. */
export type Admission =
  | { kind: 'accepted'; idempotencyKey: string; extra?: ExtraWrites }
  | { kind: 'rejected'; rejection: Rejection }
  | { kind: 'failed'; error: unknown };

/**
 * The shared ingestion path every provider uses: check the delivery (decode, validate, map it far enough to
 * know its idempotency key) and store it in the inbox with a group-committed insert; the 2xx is sent after
 * that commit. The projector (projector.ts) folds stored deliveries into the timeline and the state after.
 */
@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  /** Concurrent deliveries share an insert (see group-commit.ts). */
  readonly groupCommit: GroupCommit;

  private readonly bodies: InboxBodyPolicy;

  constructor(
    private readonly db: Database,
    projector: Projector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.groupCommit = new GroupCommit(db.pool, () => projector.wake());
    this.bodies = new InboxBodyPolicy(config.inbox);
  }

  /** Builds the raw delivery from the request (after the guard passed) and answers for it. */
  async receive<T>(adapter: WebhookAdapter<T>, req: Request): Promise<Record<string, unknown>> {
    const raw = rawDeliveryOf(req, adapter.provider, adapter.keptHeaders);
    req.provider = adapter.provider;
    const result = await this.ingest(adapter, raw);
    req.outcome = result.outcome;
    switch (result.outcome) {
      case 'accepted':
      case 'duplicate':
        return { status: result.outcome, deliveryId: result.deliveryId };
      case 'rejected':
        throw this.rejectionProblem(result.rejection, result.deliveryId);
    }
  }

  /** Stores one delivery. Never loses a signed delivery: rejected ones are stored as such. */
  async ingest<T>(adapter: WebhookAdapter<T>, raw: RawDelivery): Promise<IngestOutcome> {
    const admission = await this.admit(adapter, raw);
    switch (admission.kind) {
      case 'rejected': {
        const credential = adapter.credentialOf?.(raw) ?? '';
        const keeping = this.bodies.rejected(raw, credential, adapter.unsignedBody !== true);
        return this.storeRejected(raw, admission.rejection, keeping);
      }
      case 'failed':
        throw await this.storeFailed(raw, admission.error);
      case 'accepted': {
        const { idempotencyKey, extra } = admission;
        const result = await this.groupCommit.run({ raw, idempotencyKey, extra });
        if (result.outcome === 'failed') throw this.failedProblem(raw, result.error);
        return result;
      }
    }
  }

  /**
   * Decodes, validates and maps the delivery: what is checked before it is acknowledged (the projector maps
   * it again from the stored bytes). Shared by the request path and replay.
   */
  async admit<T>(adapter: WebhookAdapter<T>, raw: RawDelivery): Promise<Admission> {
    const decoded = await adapter.decode(raw);
    if (!decoded.ok) return { kind: 'rejected', rejection: decoded.rejection };
    let plan: IngestPlan;
    try {
      plan = adapter.plan(decoded.value, raw);
      checkPlanLinks(plan);
    } catch (error) {
      return { kind: 'failed', error };
    }
    const unstorable = unstorableValueIn(plan);
    if (unstorable !== null) {
      return { kind: 'rejected', rejection: { status: 422, code: 'validation-failed', detail: unstorable } };
    }
    return {
      kind: 'accepted',
      idempotencyKey: plan.idempotencyKey,
      extra: adapter.extraWrites?.(decoded.value, raw),
    };
  }

  private writeDelivery(
    client: Queryable,
    raw: RawDelivery,
    status: 'rejected' | 'failed',
    error: Record<string, unknown>,
    keeping: BodyKeeping = 'full',
  ): Promise<string> {
    const kept = keptBody(raw.body, keeping);
    return client
      .query<{ id: string }>(INSERT_DELIVERY, [
        raw.provider,
        raw.receivedAt,
        raw.requestId,
        raw.contentType,
        JSON.stringify(raw.headers),
        JSON.stringify(raw.context),
        kept.body,
        raw.body.length,
        status,
        storableJson(error),
        kept.sha256,
      ])
      .then((r) => r.rows[0].id);
  }

  /**
   * Stores a delivery a guard read and then refused (e.g. a replayed token) as rejected: never applied, but
   * recorded (by default as hash, size and preview: no credential vouches for its body). `error` is kept as
   * the delivery's error; returns the delivery id.
   */
  storeRefused(raw: RawDelivery, error: Record<string, unknown>): Promise<string> {
    return this.writeDelivery(this.db, raw, 'rejected', error, this.bodies.refused(raw, ''));
  }

  private async storeRejected(
    raw: RawDelivery,
    rejection: Rejection,
    keeping: BodyKeeping,
  ): Promise<IngestOutcome> {
    const deliveryId = await this.writeDelivery(this.db, raw, 'rejected', { ...rejection }, keeping);
    return { outcome: 'rejected', deliveryId, rejection };
  }

  /** Stores a delivery whose processing hit a bug (kept for replay) and returns the 500 to answer with. */
  private async storeFailed(raw: RawDelivery, err: unknown): Promise<ProblemException> {
    await this.writeDelivery(this.db, raw, 'failed', {
      code: 'processing-failed',
      detail: (err as Error)?.message ?? String(err),
    });
    return this.failedProblem(raw, err);
  }

  private failedProblem(raw: RawDelivery, err: unknown): ProblemException {
    this.logger.error({
      msg: 'processing failed',
      provider: raw.provider,
      requestId: raw.requestId,
      err: (err as Error)?.stack ?? String(err),
    });
    return new ProblemException(
      500,
      'processing-failed',
      'Processing failed',
      'The delivery was stored and can be replayed.',
    );
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
