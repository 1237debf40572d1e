import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { NoApiKey } from 'src/common/api-key.guard';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { LivekitEventDto } from 'src/providers/livekit/dto/livekit-event.dto';
import { LIVEKIT_AUTH_HEADER, LivekitSignatureGuard } from 'src/providers/livekit/livekit-signature.guard';
import { LIVEKIT_CONTENT_TYPE, LivekitService } from 'src/providers/livekit/livekit.service';

@ApiTags('webhooks')
@NoApiKey()
@Controller('webhooks/livekit')
export class LivekitWebhookController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly livekit: LivekitService,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(LivekitSignatureGuard)
  @ApiOperation({
    summary: 'LiveKit webhooks (rooms, participants, tracks, egress, ingress)',
    description:
      'The WebhookEvent of a LiveKit server or LiveKit Cloud project, as protobuf JSON. Idempotency key: the ' +
      "event's id; timeline order: its createdAt.",
  })
  @ApiConsumes(LIVEKIT_CONTENT_TYPE)
  @ApiHeader({
    name: LIVEKIT_AUTH_HEADER,
    description:
      'A JWT (no "Bearer") issued by a configured API key and signed with its secret, whose sha256 claim is the ' +
      'base64 SHA-256 of the body.',
    required: true,
  })
  @ApiBody({ type: LivekitEventDto })
  receive(@Req() req: Request): Promise<Record<string, unknown>> {
    return this.ingestion.receive(this.livekit, req);
  }
}
