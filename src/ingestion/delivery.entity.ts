import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { EventEntity } from 'src/ingestion/event.entity';
import type { RawDelivery } from 'src/ingestion/ingestion.types';

/**
 * pending: acknowledged, waiting for the projector; projected: on the timeline and in the state; failed:
 * its projection failed (kept for a replay); rejected: signed but invalid.
 */
export const DELIVERY_STATUSES = ['pending', 'projected', 'failed', 'rejected'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The inbox: every request that passed its signature check, stored before it is answered. An accepted
 * delivery is unique per `(provider, idempotency_key)`; a re-sent copy is not stored again, it is counted in
 * `delivery_duplicates`.
 */
@Entity('deliveries')
@Unique('uq_deliveries_provider_idempotency_key', ['provider', 'idempotencyKey'])
// The projector's backlog: small, and read oldest first.
@Index('ix_deliveries_pending', ['id'], { where: `"status" = 'pending'` })
// Listing and replay by status read the few deliveries that are not projected; a projected one (nearly all
// of them) is in neither of these two indexes until it has an event, so marking it projected writes fewer
// index entries. Listing projected deliveries walks the primary key.
@Index('ix_deliveries_unprojected', ['status', 'provider', 'id'], { where: `"status" <> 'projected'` })
@Index('ix_deliveries_received_at', ['receivedAt'])
@Index('ix_deliveries_event_id', ['eventId'], { where: '"event_id" IS NOT NULL' })
// Retention purges oldest bodies first: this index skips the rows it purged already.
@Index('ix_deliveries_unpurged_received_at', ['receivedAt'], { where: '"body" IS NOT NULL' })
export class DeliveryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  /** Null for rejected deliveries (never applied, so never a duplicate). */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 512, nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 64 })
  requestId: string;

  @Column({ name: 'content_type', type: 'varchar', length: 255, nullable: true })
  contentType: string | null;

  /** The headers the provider's adapter chose to keep (content type, provider metadata). */
  @Column({ type: 'jsonb' })
  headers: Record<string, string>;

  /** What the guard established besides the body, e.g. a callback-URL reference; replay needs it. */
  @Column({ type: 'jsonb' })
  context: Record<string, string>;

  /**
   * The raw bytes as received; null once retention has purged them. When `body_sha256` is set, only part of
   * them (see inbox-body.ts): the first bytes (a preview), or none (a thumbnail, whose image is stored apart).
   */
  @Column({ type: 'bytea', nullable: true })
  body: Buffer | null;

  /** SHA-256 of the whole body, set only when `body` does not hold all of it (such a delivery cannot be replayed). */
  @Column({ name: 'body_sha256', type: 'bytea', nullable: true })
  bodySha256: Buffer | null;

  @Column({ name: 'body_size', type: 'integer' })
  bodySize: number;

  @Column({ name: 'body_purged_at', type: 'timestamptz', nullable: true })
  bodyPurgedAt: Date | null;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  /** Why it was rejected or failed: `{ code, detail, errors? }`. */
  @Column({ type: 'jsonb', nullable: true })
  error: Record<string, unknown> | null;

  @Column({ name: 'event_id', type: 'bigint', nullable: true })
  eventId: string | null;

  @Column({ type: 'integer', default: 1 })
  attempts: number;

  /** When it was projected or rejected (replays update it); null while pending. */
  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt: Date | null;

  // Not a foreign key: set only by the projection function (see migrations/*-references-unchecked.ts).
  @ManyToOne(() => EventEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'event_id' })
  event?: EventEntity;
}

/**
 * Re-sent copies of an accepted delivery. Kept apart from the inbox row, which the projector holds locked
 * while it projects it: counting a copy never waits for a projection.
 */
@Entity('delivery_duplicates')
export class DeliveryDuplicateEntity {
  @PrimaryColumn({ name: 'delivery_id', type: 'bigint', primaryKeyConstraintName: 'pk_delivery_duplicates' })
  deliveryId: string;

  @Column({ type: 'integer' })
  count: number;

  @Column({ name: 'last_at', type: 'timestamptz' })
  lastAt: Date;

  @OneToOne(() => DeliveryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'fk_delivery_duplicates_delivery' })
  delivery?: DeliveryEntity;
}

/** An inbox row as the projector and replay read it (`STORED` in projection.sql.ts), named as its columns. */
export interface StoredRow {
  id: string;
  provider: string;
  received_at: Date;
  request_id: string;
  content_type: string | null;
  headers: Record<string, string>;
  context: Record<string, string>;
  /** Null once retention purged it. */
  body: Buffer | null;
  /** Set when the inbox kept only a preview of the body (or none of it). */
  body_sha256: Buffer | null;
}

/** The delivery as it was received, rebuilt from its row; null when the inbox did not keep the whole body. */
export function storedDelivery(row: StoredRow, provider: RawDelivery['provider']): RawDelivery | null {
  if (row.body === null || row.body_sha256 !== null) return null;
  return {
    provider,
    receivedAt: row.received_at,
    requestId: row.request_id,
    contentType: row.content_type,
    headers: row.headers,
    context: row.context,
    body: row.body,
  };
}
