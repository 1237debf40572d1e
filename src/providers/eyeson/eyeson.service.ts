import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { DecodeResult, IngestPlan, RawDelivery, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { decodeJsonObject, reject, validateDto } from 'src/ingestion/json-decoder';
import { EyesonEventDto } from 'src/providers/eyeson/dto/eyeson-event.dto';
import { UploadFailedDto, UploadReadyDto } from 'src/providers/eyeson/dto/recording-upload.dto';
import {
  SessionFinishedDto,
  SupervisorSessionFinishedDto,
} from 'src/providers/eyeson/dto/session-finished.dto';
import { referenceProblem } from 'src/providers/eyeson/eyeson-callback-token';
import { EyesonDelivery, EyesonEvent, planEyeson } from 'src/providers/eyeson/eyeson.mapper';

/** The guard's finding, kept with the delivery (`deliveries.context`) so a replay files it the same way. */
export const REFERENCE_CONTEXT_KEY = 'reference';

type KnownKind = Exclude<EyesonEvent['kind'], 'other'>;

/** Validates the payload as the DTO of its status and tags it. */
async function validateAs<K extends KnownKind>(
  kind: K,
  dto: new () => Extract<EyesonEvent, { kind: K }>['data'],
  plain: Record<string, unknown>,
): Promise<DecodeResult<EyesonEvent>> {
  const result = await validateDto(dto, plain);
  if (!result.ok) return result;
  return { ok: true, value: { kind, data: result.value } as EyesonEvent };
}

function validateEvent(status: string, plain: Record<string, unknown>): Promise<DecodeResult<EyesonEvent>> {
  switch (status) {
    case 'upload_ready':
      return validateAs('upload_ready', UploadReadyDto, plain);
    case 'upload_failed':
      return validateAs('upload_failed', UploadFailedDto, plain);
    case 'session_finished':
      return validateAs('session_finished', SessionFinishedDto, plain);
    case 'supervisor_session_finished':
      return validateAs('supervisor_session_finished', SupervisorSessionFinishedDto, plain);
    default:
      return validateDto(EyesonEventDto, plain).then((r) =>
        r.ok ? { ok: true as const, value: { kind: 'other' as const, data: r.value } } : r,
      );
  }
}

/** How Eyeson StreamRec deliveries are read and what they mean; storage is the shared ingestion's job. */
@Injectable()
export class EyesonService implements WebhookAdapter<EyesonDelivery> {
  readonly provider = 'eyeson' as const;
  readonly keptHeaders = ['content-type', 'user-agent'] as const;
  /** The credential is the callback URL; nothing vouches for the body. */
  readonly unsignedBody = true;

  /** One callback URL's reference is one credential. */
  credentialOf(raw: RawDelivery): string {
    return raw.context[REFERENCE_CONTEXT_KEY] ?? '';
  }

  async decode(raw: RawDelivery): Promise<DecodeResult<EyesonDelivery>> {
    const reference = raw.context[REFERENCE_CONTEXT_KEY];
    if (reference === undefined || referenceProblem(reference) !== null) {
      // Only reachable by replaying a delivery stored without the guard's finding.
      return reject(422, 'validation-failed', 'The delivery carries no valid callback reference.');
    }
    const json = decodeJsonObject(raw);
    if (!json.ok) return json;
    const envelope = await validateDto(EyesonEventDto, json.value);
    if (!envelope.ok) return envelope;
    const event = await validateEvent(envelope.value.status, json.value);
    if (!event.ok) return event;
    return {
      ok: true,
      value: {
        reference,
        event: event.value,
        payload: json.value,
        bodySha256: createHash('sha256').update(raw.body).digest('hex'),
        receivedAt: raw.receivedAt,
      },
    };
  }

  plan(delivery: EyesonDelivery): IngestPlan {
    return planEyeson(delivery);
  }
}
