import { Global, Module } from '@nestjs/common';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { Projector } from 'src/ingestion/projector';

@Global()
@Module({ providers: [IngestionService, Projector], exports: [IngestionService, Projector] })
export class IngestionModule {}
