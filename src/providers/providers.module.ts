import { Module } from '@nestjs/common';

/** Every provider module; a new provider adds its module here (and its config parser in provider-configs.ts). */
@Module({ imports: [] })
export class ProvidersModule {}
