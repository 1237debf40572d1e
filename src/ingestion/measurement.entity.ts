import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { SessionEntity } from 'src/ingestion/session.entity';
import { ProjectionColumns } from 'src/ingestion/projection-columns';

@Entity('measurements')
@Unique('uq_measurements_provider_external_id', ['provider', 'externalId'])
@Index('ix_measurements_session', ['sessionId'])
@Index('ix_measurements_updated', ['updatedAt', 'id'])
@Index('ix_measurements_provider_updated', ['provider', 'updatedAt', 'id'])
export class MeasurementEntity extends ProjectionColumns {
  @Column({ name: 'session_id', type: 'bigint', nullable: true })
  sessionId: string | null;

  // A reference, not a foreign key: set only by the projection function (migrations/*-references-unchecked.ts).
  @ManyToOne(() => SessionEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'session_id' })
  session?: SessionEntity;
}

/** One point of a measurement's series (e.g. the SNR of each intermediate result); written once. */
@Entity('measurement_samples')
export class MeasurementSampleEntity {
  @PrimaryColumn({ name: 'measurement_id', type: 'bigint' })
  measurementId: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  series: string;

  @PrimaryColumn({ type: 'bigint' })
  sequence: string;

  @Column({ type: 'double precision' })
  value: number;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  // A reference, not a foreign key: set only by the projection function (migrations/*-references-unchecked.ts).
  @ManyToOne(() => MeasurementEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'measurement_id' })
  measurement?: MeasurementEntity;
}
