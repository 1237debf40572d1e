import { Injectable } from '@nestjs/common';
import { WebhookEvent } from 'livekit-server-sdk';
import type { DecodeResult, IngestPlan, RawDelivery, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { decodeJsonObject, reject, validateDto } from 'src/ingestion/json-decoder';
import { LivekitEventDto } from 'src/providers/livekit/dto/livekit-event.dto';
import { mapLivekitEvent } from 'src/providers/livekit/livekit.mapper';

/** The content type LiveKit's server posts webhooks with. */
export const LIVEKIT_CONTENT_TYPE = 'application/webhook+json';

/** How LiveKit deliveries are read and what they mean; the token was checked by LivekitSignatureGuard. */
@Injectable()
export class LivekitService implements WebhookAdapter<LivekitEventDto> {
  readonly provider = 'livekit';
  /** The token is kept for audit (it is hidden from the API and redacted in logs). */
  readonly keptHeaders = ['content-type', 'user-agent', 'authorization'] as const;

  async decode(raw: RawDelivery): Promise<DecodeResult<LivekitEventDto>> {
    const mime = raw.contentType?.split(';')[0].trim().toLowerCase();
    if (mime !== LIVEKIT_CONTENT_TYPE) {
      return reject(
        415,
        'unsupported-media-type',
        `Expected ${LIVEKIT_CONTENT_TYPE}, got ${raw.contentType}.`,
      );
    }
    const json = decodeJsonObject(raw);
    if (!json.ok) return json;
    try {
      // The protocol's own schema (types of every field, enum names); fields it does not know are tolerated.
      WebhookEvent.fromJson(json.value as never, { ignoreUnknownFields: true });
    } catch (err) {
      return reject(422, 'validation-failed', `Not a LiveKit WebhookEvent: ${(err as Error).message}`);
    }
    const event = await validateDto(LivekitEventDto, json.value);
    if (!event.ok) return event;
    // Keep the body exactly as sent (not the class instance) so the timeline shows what LiveKit said.
    return { ok: true, value: Object.assign(new LivekitEventDto(), json.value) };
  }

  plan(body: LivekitEventDto): IngestPlan {
    return mapLivekitEvent(body);
  }
}
