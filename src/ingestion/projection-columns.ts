import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * Columns every state projection (session, recording, measurement) has. State is folded in an
 * order-independent way (see `projection.sql.ts`): each event carries an order key (`version`, a
 * byte-sortable text made of provider time, sequence and idempotency key), and
 *  - `status` only moves to a higher (rank, version);
 *  - `started_at` keeps the earliest value, `ended_at` the latest;
 *  - other fields take the newest event's non-null value, older events only fill gaps.
 */
export abstract class ProjectionColumns {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ name: 'external_id', type: 'varchar', length: 255 })
  externalId: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  status: string | null;

  @Column({ name: 'status_rank', type: 'smallint', default: 0 })
  statusRank: number;

  @Column({ name: 'status_version', type: 'text', collation: 'C', default: '' })
  statusVersion: string;

  /** Order key of the newest event folded in. */
  @Column({ type: 'text', collation: 'C', default: '' })
  version: string;

  /** Per field, the order key of the event whose value the field holds (`a.<key>` for attributes). */
  @Column({ name: 'field_versions', type: 'jsonb', default: () => "'{}'" })
  fieldVersions: Record<string, string>;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  /** Provider-specific state (stream name, last severity, end reason, ...). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  attributes: Record<string, unknown>;

  @Column({ name: 'first_event_at', type: 'timestamptz', nullable: true })
  firstEventAt: Date | null;

  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
