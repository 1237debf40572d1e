import { Column, Entity, Index, JoinColumn, ManyToOne, Unique } from 'typeorm';
import { ProjectionColumns } from 'src/ingestion/projection-columns';

/**
 * A session as the provider sees it: a classroom session, a recorded call, a measurement session, a feed
 * (with its stream as parent), a supervisor session (with the agent session as parent).
 */
@Entity('sessions')
@Unique('uq_sessions_provider_external_id', ['provider', 'externalId'])
@Index('ix_sessions_updated', ['updatedAt', 'id'])
@Index('ix_sessions_provider_updated', ['provider', 'updatedAt', 'id'])
@Index('ix_sessions_started', ['startedAt', 'id'])
@Index('ix_sessions_status_updated', ['status', 'updatedAt', 'id'])
@Index('ix_sessions_parent', ['parentId'])
export class SessionEntity extends ProjectionColumns {
  @Column({ type: 'varchar', length: 32, default: 'session' })
  kind: string;

  @Column({ name: 'parent_id', type: 'bigint', nullable: true })
  parentId: string | null;

  // A reference, not a foreign key: set only by the projection function (migrations/*-references-unchecked.ts).
  @ManyToOne(() => SessionEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'parent_id' })
  parent?: SessionEntity;
}
