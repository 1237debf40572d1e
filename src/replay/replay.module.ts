import { Module } from '@nestjs/common';
import { ReplayController } from 'src/replay/replay.controller';

/** `POST /api/deliveries/replay`: the replay job over HTTP (operate keys). */
@Module({ controllers: [ReplayController] })
export class ReplayModule {}
