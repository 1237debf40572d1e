import { Injectable } from '@nestjs/common';
import { decodeJsonObject, validateDto } from 'src/ingestion/json-decoder';
import type { DecodeResult, IngestPlan, RawDelivery, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { WmsEnvelopeDto } from 'src/providers/wms/dto/wms-envelope.dto';
import { isWmsEvent, WMS_EVENTS } from 'src/providers/wms/wms-events';
import { mapWmsEvent } from 'src/providers/wms/wms.mapper';

/** How WMS deliveries are read and what they mean; storage is the shared ingestion's job. */
@Injectable()
export class WmsService implements WebhookAdapter<WmsEnvelopeDto> {
  readonly provider = 'wms' as const;
  readonly keptHeaders = ['content-type', 'user-agent'] as const;

  async decode(raw: RawDelivery): Promise<DecodeResult<WmsEnvelopeDto>> {
    const json = decodeJsonObject(raw);
    if (!json.ok) return json;
    const envelope = await validateDto(WmsEnvelopeDto, json.value);
    if (!envelope.ok) return envelope;
    const payloadDto = isWmsEvent(envelope.value.event) ? WMS_EVENTS[envelope.value.event] : null;
    if (payloadDto !== null) {
      const payload = await validateDto(payloadDto, envelope.value.payload ?? {}, 'payload');
      if (!payload.ok) return payload;
    }
    // Keep the body exactly as sent (not the class instance) so the timeline shows what WMS said.
    return { ok: true, value: Object.assign(new WmsEnvelopeDto(), json.value) };
  }

  plan(body: WmsEnvelopeDto): IngestPlan {
    return mapWmsEvent(body);
  }
}
