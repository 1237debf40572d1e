import { Module } from '@nestjs/common';
import { RetentionService } from 'src/retention/retention.service';

/** Scheduled purging of raw inbox bodies and thumbnails (RetentionService). */
@Module({ providers: [RetentionService], exports: [RetentionService] })
export class RetentionModule {}
