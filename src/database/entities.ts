import { DeliveryEntity } from 'src/ingestion/delivery.entity';
import { EventEntity } from 'src/ingestion/event.entity';
import { MeasurementEntity, MeasurementSampleEntity } from 'src/ingestion/measurement.entity';
import { RecordingEntity } from 'src/ingestion/recording.entity';
import { SessionEntity } from 'src/ingestion/session.entity';
import { EyesonRevokedUrlEntity } from 'src/providers/eyeson/eyeson-revoked-url.entity';
import { MillicastThumbnailEntity } from 'src/providers/millicast/millicast-thumbnail.entity';
import { PerculusSeenTokenEntity } from 'src/providers/perculus/perculus-seen-token.entity';

/** Every entity the schema has; a provider that owns a table adds its entity here. */
export const ENTITIES = [
  DeliveryEntity,
  EventEntity,
  SessionEntity,
  RecordingEntity,
  MeasurementEntity,
  MeasurementSampleEntity,
  PerculusSeenTokenEntity,
  MillicastThumbnailEntity,
  EyesonRevokedUrlEntity,
];
