import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { MeasurementEntity } from 'src/ingestion/measurement.entity';
import { RecordingEntity } from 'src/ingestion/recording.entity';
import { SessionEntity } from 'src/ingestion/session.entity';

/** The append-only timeline. One row per distinct provider event; `(provider, idempotency_key)` is unique. */
@Entity('events')
@Unique('uq_events_provider_idempotency_key', ['provider', 'idempotencyKey'])
@Index('ix_events_session_timeline', ['sessionId', 'occurredAt', 'sequence', 'id'])
@Index('ix_events_recording', ['recordingId', 'occurredAt', 'id'])
@Index('ix_events_measurement', ['measurementId', 'occurredAt', 'id'])
@Index('ix_events_feed', ['txId', 'id'])
@Index('ix_events_provider_type_feed', ['provider', 'type', 'txId', 'id'])
export class EventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 512 })
  idempotencyKey: string;

  /** The provider's own event name, e.g. `MEASUREMENT_CREATED` or `feeds.started`. */
  @Column({ type: 'varchar', length: 128 })
  type: string;

  /** False for event types this version does not know: kept, flagged, never dropped. */
  @Column({ type: 'boolean' })
  known: boolean;

  @Column({ type: 'varchar', length: 16, nullable: true })
  severity: string | null;

  /** The provider's time for the event (its clock); received time when the provider sends none. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  /** The provider's ordering key within a session, when it has one (WMS `sequence`). */
  @Column({ type: 'bigint', nullable: true })
  sequence: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  /**
   * The inserting transaction's id. The cross-session feed pages by `(tx_id, id)` and only shows
   * transactions older than every running one, so a poller never skips an event that commits late.
   */
  @Column({ name: 'tx_id', type: 'bigint', default: () => 'hooktrail_tx_id()' })
  txId: string;

  /**
   * The database's clock when the row was written (after its transaction got `tx_id`), so that an event
   * recorded before a time T is known to have a smaller `tx_id` than every transaction started after T:
   * the feed's `since` filter starts its scan there. Null for events stored before this column existed.
   */
  @Column({ name: 'recorded_at', type: 'timestamptz', nullable: true, default: () => 'clock_timestamp()' })
  recordedAt: Date | null;

  @Column({ name: 'session_id', type: 'bigint', nullable: true })
  sessionId: string | null;

  @Column({ name: 'recording_id', type: 'bigint', nullable: true })
  recordingId: string | null;

  @Column({ name: 'measurement_id', type: 'bigint', nullable: true })
  measurementId: string | null;

  @Column({ type: 'jsonb' })
  payload: unknown;

  // References, not foreign keys: set only by the projection function from the rows it upserted in the same
  // transaction (see migrations/*-references-unchecked.ts; test/write-path.e2e-spec.ts checks them).
  @ManyToOne(() => SessionEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'session_id' })
  session?: SessionEntity;

  @ManyToOne(() => RecordingEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'recording_id' })
  recording?: RecordingEntity;

  @ManyToOne(() => MeasurementEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'measurement_id' })
  measurement?: MeasurementEntity;
}
