import { Column, Entity, Index, JoinColumn, ManyToOne, Unique } from 'typeorm';
import { SessionEntity } from 'src/ingestion/session.entity';
import { ProjectionColumns } from 'src/ingestion/projection-columns';

@Entity('recordings')
@Unique('uq_recordings_provider_external_id', ['provider', 'externalId'])
@Index('ix_recordings_session', ['sessionId'])
@Index('ix_recordings_updated', ['updatedAt', 'id'])
@Index('ix_recordings_provider_updated', ['provider', 'updatedAt', 'id'])
export class RecordingEntity extends ProjectionColumns {
  @Column({ name: 'session_id', type: 'bigint', nullable: true })
  sessionId: string | null;

  // A reference, not a foreign key: set only by the projection function (migrations/*-references-unchecked.ts).
  @ManyToOne(() => SessionEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'session_id' })
  session?: SessionEntity;

  /** e.g. `recording`, `clip`, `video`. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  kind: string | null;

  @Column({ name: 'duration_ms', type: 'bigint', nullable: true })
  durationMs: string | null;

  @Column({ name: 'size_bytes', type: 'bigint', nullable: true })
  sizeBytes: string | null;

  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Column({ name: 'url_expires_at', type: 'timestamptz', nullable: true })
  urlExpiresAt: Date | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}
