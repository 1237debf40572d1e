import { Injectable } from '@nestjs/common';
import type { DecodeResult, IngestPlan, RawDelivery, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { decodeJsonObject, validateDto } from 'src/ingestion/json-decoder';
import { PerculusEnvelopeDto } from 'src/providers/perculus/dto/perculus-envelope.dto';
import { SessionReportEventDto } from 'src/providers/perculus/dto/session-report-event.dto';
import { SessionStatusEventDto } from 'src/providers/perculus/dto/session-status-event.dto';
import { SingleVideoEventDto } from 'src/providers/perculus/dto/single-video-event.dto';
import { PerculusMessage, perculusFamily, planPerculus } from 'src/providers/perculus/perculus.mapper';

/** Headers kept with a Perculus delivery (the body carries everything else, token included). */
export const PERCULUS_KEPT_HEADERS = ['user-agent'] as const;

/** Reads Perculus deliveries for the shared ingestion. The token was checked by PerculusSignatureGuard. */
@Injectable()
export class PerculusService implements WebhookAdapter<PerculusMessage> {
  readonly provider = 'perculus' as const;
  readonly keptHeaders = PERCULUS_KEPT_HEADERS;

  async decode(raw: RawDelivery): Promise<DecodeResult<PerculusMessage>> {
    const json = decodeJsonObject(raw);
    if (!json.ok) return json;
    const plain = json.value;
    const family = perculusFamily(plain.type);
    switch (family) {
      case 'SessionStatusEvent': {
        const v = await validateDto(SessionStatusEventDto, plain);
        return v.ok ? { ok: true, value: { family, body: v.value, plain } } : v;
      }
      case 'SessionReportEvent': {
        const v = await validateDto(SessionReportEventDto, plain);
        return v.ok ? { ok: true, value: { family, body: v.value, plain } } : v;
      }
      case 'SingleVideoEvent': {
        const v = await validateDto(SingleVideoEventDto, plain);
        return v.ok ? { ok: true, value: { family, body: v.value, plain } } : v;
      }
      case null: {
        const v = await validateDto(PerculusEnvelopeDto, plain);
        return v.ok ? { ok: true, value: { family, body: v.value, plain } } : v;
      }
    }
  }

  plan(message: PerculusMessage, raw: RawDelivery): IngestPlan {
    return planPerculus(message, raw.receivedAt);
  }
}
