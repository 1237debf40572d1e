import type { Type } from '@nestjs/common';
import { DeliveryDuplicateEntity, DeliveryEntity } from 'src/ingestion/delivery.entity';
import { EventEntity } from 'src/ingestion/event.entity';
import { MeasurementEntity, MeasurementSampleEntity } from 'src/ingestion/measurement.entity';
import { RecordingEntity } from 'src/ingestion/recording.entity';
import { SessionEntity } from 'src/ingestion/session.entity';
import { registeredProviders } from 'src/config/provider-registry';

/** The core's entities; a provider that owns a table lists its entity in its definition. */
const CORE_ENTITIES: Type<unknown>[] = [
  DeliveryEntity,
  DeliveryDuplicateEntity,
  EventEntity,
  SessionEntity,
  RecordingEntity,
  MeasurementEntity,
  MeasurementSampleEntity,
];

/** Every entity the schema has: the core's and the registered providers'. */
export function entities(): Type<unknown>[] {
  return [...CORE_ENTITIES, ...registeredProviders().flatMap((provider) => provider.entities ?? [])];
}
