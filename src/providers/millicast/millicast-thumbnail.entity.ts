import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { DeliveryEntity } from 'src/ingestion/delivery.entity';

/**
 * The newest thumbnails of each Millicast stream (MILLICAST_THUMBNAILS_PER_STREAM of them; older ones are
 * deleted as new ones arrive), stored with the inbox row of the delivery that brought it, before the
 * delivery is projected. The timeline event of each thumbnail holds its metadata, not the image.
 */
@Entity('millicast_thumbnails')
@Unique('uq_millicast_thumbnails_delivery', ['deliveryId'])
@Index('ix_millicast_thumbnails_stream_captured', ['streamId', 'capturedAt', 'id'])
export class MillicastThumbnailEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** `accountId/streamName` from `X-Millicast-Stream-Id`. */
  @Column({ name: 'stream_id', type: 'varchar', length: 255 })
  streamId: string;

  @Column({ name: 'feed_id', type: 'varchar', length: 255, nullable: true })
  feedId: string | null;

  @Column({ name: 'token_id', type: 'varchar', length: 255, nullable: true })
  tokenId: string | null;

  /** `X-Millicast-Timestamp`. */
  @Column({ name: 'captured_at', type: 'timestamptz' })
  capturedAt: Date;

  @Column({ name: 'content_type', type: 'varchar', length: 64 })
  contentType: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes: number;

  /** The JPEG exactly as received. */
  @Column({ type: 'bytea' })
  image: Buffer;

  @Column({ name: 'delivery_id', type: 'bigint' })
  deliveryId: string;

  @ManyToOne(() => DeliveryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'fk_millicast_thumbnails_delivery' })
  delivery?: DeliveryEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
