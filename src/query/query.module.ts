import { Module } from '@nestjs/common';
import { DeliveriesController } from 'src/query/deliveries/deliveries.controller';
import { DeliveriesService } from 'src/query/deliveries/deliveries.service';
import { EventStreamService } from 'src/query/events/event-stream.service';
import { EventsController } from 'src/query/events/events.controller';
import { EventsService } from 'src/query/events/events.service';
import { MeasurementsController } from 'src/query/measurements/measurements.controller';
import { MeasurementsService } from 'src/query/measurements/measurements.service';
import { ProviderListController } from 'src/query/provider-list/provider-list.controller';
import { RecordingsController } from 'src/query/recordings/recordings.controller';
import { RecordingsService } from 'src/query/recordings/recordings.service';
import { SessionsController } from 'src/query/sessions/sessions.controller';
import { SessionsService } from 'src/query/sessions/sessions.service';

/** The authenticated read API under /api (the global ApiKeyGuard protects every route here). */
@Module({
  controllers: [
    SessionsController,
    RecordingsController,
    MeasurementsController,
    EventsController,
    DeliveriesController,
    ProviderListController,
  ],
  providers: [
    SessionsService,
    RecordingsService,
    MeasurementsService,
    EventsService,
    EventStreamService,
    DeliveriesService,
  ],
})
export class QueryModule {}
