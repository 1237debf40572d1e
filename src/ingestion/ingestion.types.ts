import type { ProviderName } from 'src/config/provider-registry';

/** One webhook request as received, after its signature passed. Everything replay needs is here. */
export interface RawDelivery {
  provider: ProviderName;
  receivedAt: Date;
  requestId: string;
  contentType: string | null;
  /** Headers the adapter keeps (lower-case names). */
  headers: Record<string, string>;
  /** What the guard established besides the body (e.g. the reference bound in a callback URL). */
  context: Record<string, string>;
  body: Buffer;
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** Why a signed delivery cannot be applied; it is stored as rejected and answered with `status`. */
export interface Rejection {
  status: 400 | 415 | 422;
  code: string;
  detail: string;
  errors?: ValidationIssue[];
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

/** A status with its place in the lifecycle: a status only replaces one of lower rank (or same rank, older). */
export interface StatusChange {
  value: string;
  rank: number;
}

export interface SessionChange {
  externalId: string;
  /** `session` when not given on first sight. */
  kind?: string;
  parentExternalId?: string;
  status?: StatusChange;
  startedAt?: Date | null;
  endedAt?: Date | null;
  attributes?: Record<string, unknown>;
}

export interface RecordingChange {
  externalId: string;
  sessionExternalId?: string;
  kind?: string;
  status?: StatusChange;
  startedAt?: Date | null;
  endedAt?: Date | null;
  durationMs?: number | null;
  sizeBytes?: number | null;
  url?: string | null;
  urlExpiresAt?: Date | null;
  error?: string | null;
  attributes?: Record<string, unknown>;
}

export interface MeasurementChange {
  externalId: string;
  sessionExternalId?: string;
  status?: StatusChange;
  startedAt?: Date | null;
  endedAt?: Date | null;
  attributes?: Record<string, unknown>;
}

export interface SampleChange {
  measurementExternalId: string;
  series: string;
  sequence: number;
  value: number;
}

export interface TimelineEvent {
  /** The provider's event name as the provider spells it (prefixed by type for enveloped providers). */
  type: string;
  /** False when this version of the code does not know the event: stored and flagged, never dropped. */
  known: boolean;
  severity?: string | null;
  /** The provider's time for the event; use the received time when the provider gives none. */
  occurredAt: Date;
  sequence?: number | null;
  payload: unknown;
  /** External ids (in this provider's namespace) the event belongs to. */
  sessionExternalId?: string;
  recordingExternalId?: string;
  measurementExternalId?: string;
}

/** What a validated delivery means: the output of a provider's pure mapper. */
export interface IngestPlan {
  /** Unique per provider; a second delivery with the same key is a duplicate. */
  idempotencyKey: string;
  event: TimelineEvent;
  /** Parents before children. Sessions referenced elsewhere in the plan are created if missing. */
  sessions?: SessionChange[];
  recordings?: RecordingChange[];
  measurements?: MeasurementChange[];
  samples?: SampleChange[];
}

/** The inbox row just stored, for an adapter's own extra writes in the same transaction. */
export interface StoredDelivery {
  deliveryId: string;
}

export type ExtraWrites = (db: Queryable, stored: StoredDelivery) => Promise<void>;

export interface Queryable {
  query<R = Record<string, unknown>>(
    statement: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * What a provider module gives the shared ingestion: how to read its deliveries and what they mean.
 * Signature checking is not here: the provider's guard has done it before anything is stored.
 */
export interface WebhookAdapter<T = unknown> {
  readonly provider: ProviderName;
  /** Lower-case header names to keep in the inbox (needed for replay or audit). */
  readonly keptHeaders: readonly string[];
  /** Parse and validate the raw delivery. A rejection is stored and answered 4xx. */
  decode(raw: RawDelivery): DecodeResult<T> | Promise<DecodeResult<T>>;
  /** Pure mapping from the validated payload to timeline event and state changes. */
  plan(payload: T, raw: RawDelivery): IngestPlan;
  /**
   * Provider-owned writes that are not a projection (e.g. a thumbnail's bytes): done on the request path, in
   * the transaction that stores a new (not duplicate) delivery; undefined (the rule) when it has none, so its
   * batch commits in one statement.
   */
  extraWrites?(payload: T, raw: RawDelivery): ExtraWrites | undefined;
  /**
   * True when those writes keep the body elsewhere (a thumbnail's image, in its own table): once the delivery
   * is projected, the inbox keeps only its SHA-256, size and a preview instead of a second copy.
   */
  bodyStoredElsewhere?(raw: RawDelivery): boolean;
  /** True when the credential does not cover the body (a bearer callback URL): see inbox-body.ts. */
  readonly unsignedBody?: boolean;
  /** The credential a delivery came in under, for per-credential caps; the provider's secrets by default. */
  credentialOf?(raw: RawDelivery): string;
}

/** How a delivery was answered: stored as pending (accepted), a copy of a stored one, or rejected. */
export type IngestOutcome =
  | { outcome: 'accepted'; deliveryId: string }
  | { outcome: 'duplicate'; deliveryId: string }
  | { outcome: 'rejected'; deliveryId: string; rejection: Rejection };
