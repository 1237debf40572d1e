import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import type {
  DecodeResult,
  ExtraWrites,
  IngestPlan,
  RawDelivery,
  WebhookAdapter,
} from 'src/ingestion/ingestion.types';
import { decodeJsonObject, reject, validateDto } from 'src/ingestion/json-decoder';
import { FeedDataDto } from 'src/providers/millicast/dto/feeds.dto';
import { MediaDataDto } from 'src/providers/millicast/dto/media.dto';
import { MillicastEnvelopeDto } from 'src/providers/millicast/dto/millicast-envelope.dto';
import { RecordingDataDto } from 'src/providers/millicast/dto/recordings.dto';
import { ThumbnailHeadersDto } from 'src/providers/millicast/dto/thumbnail-headers.dto';
import { TranscoderDataDto } from 'src/providers/millicast/dto/transcoder.dto';
import { ViewerConnectionDataDto } from 'src/providers/millicast/dto/viewer-connection.dto';
import {
  classifyHook,
  EnvelopeInfo,
  MillicastFamily,
  MillicastPayload,
} from 'src/providers/millicast/millicast-hooks';
import {
  INSERT_THUMBNAIL,
  PRUNE_THUMBNAILS,
  PRUNE_THUMBNAILS_TOTAL,
} from 'src/providers/millicast/millicast-thumbnail.sql';

/**
 * The total cap is enforced on every this-many thumbnails an instance stores (it reads that many index
 * entries): the total overshoots by at most this much per instance.
 */
export const TOTAL_PRUNE_EVERY = 32;
import { mapMillicastHook, millicastTime } from 'src/providers/millicast/millicast.mapper';

const DATA_DTO: Record<MillicastFamily, new () => object> = {
  feeds: FeedDataDto,
  recordings: RecordingDataDto,
  media: MediaDataDto,
  transcoder: TranscoderDataDto,
  viewerConnection: ViewerConnectionDataDto,
};

/** Headers a thumbnail's meaning is in; kept in the inbox so that a replay rebuilds the same delivery. */
export const MILLICAST_THUMBNAIL_HEADERS = [
  'x-millicast-timestamp',
  'x-millicast-feed-id',
  'x-millicast-stream-id',
  'x-millicast-token-id',
] as const;

const mimeOf = (contentType: string | null): string | null =>
  contentType === null ? null : contentType.split(';')[0].trim().toLowerCase();

/** Thumbnail hooks are the only non-JSON ones; they say so with their content type. */
export function isThumbnailContentType(contentType: string | null): boolean {
  const mime = mimeOf(contentType);
  return mime === 'image/jpeg' || mime === 'image/jpg';
}

/** Every JPEG starts with the SOI marker followed by another marker. */
const isJpeg = (body: Buffer): boolean =>
  body.length >= 4 && body[0] === 0xff && body[1] === 0xd8 && body[2] === 0xff;

/** A thumbnail hook: its meaning is in the (validated) headers, the body is the image. */
export function thumbnailPayload(h: ThumbnailHeadersDto, image: Buffer): MillicastPayload {
  return {
    family: 'thumbnail',
    meta: {
      streamId: h['x-millicast-stream-id'],
      feedId: h['x-millicast-feed-id'] ?? null,
      tokenId: h['x-millicast-token-id'] ?? null,
      timestamp: Number(h['x-millicast-timestamp']),
      contentType: 'image/jpeg',
    },
    image,
  };
}

/** How Millicast deliveries are read and what they mean; storage is the shared ingestion's job. */
@Injectable()
export class MillicastService implements WebhookAdapter<MillicastPayload> {
  readonly provider = 'millicast' as const;
  /** The signature is kept for audit (anyone holding the secret can re-check a stored body). */
  readonly keptHeaders = ['x-millicast-signature', ...MILLICAST_THUMBNAIL_HEADERS, 'user-agent'] as const;

  private readonly thumbnailMaxBytes: number;
  private readonly thumbnailsPerStream: number;
  private readonly thumbnailsTotal: number;
  private thumbnailsSincePrune = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.thumbnailMaxBytes = config.providers.millicast.thumbnailMaxBytes;
    this.thumbnailsPerStream = config.providers.millicast.thumbnailsPerStream;
    this.thumbnailsTotal = config.providers.millicast.thumbnailsTotal;
  }

  async decode(raw: RawDelivery): Promise<DecodeResult<MillicastPayload>> {
    return isThumbnailContentType(raw.contentType) ? this.decodeThumbnail(raw) : this.decodeJson(raw);
  }

  plan(payload: MillicastPayload): IngestPlan {
    return mapMillicastHook(payload);
  }

  /**
   * A thumbnail's bytes are stored on the request path, keeping only the newest N (by capture time) of its
   * stream and the newest MILLICAST_THUMBNAILS_TOTAL of all streams: they are not a projection (the event
   * holds the metadata).
   */
  extraWrites(payload: MillicastPayload): ExtraWrites | undefined {
    if (payload.family !== 'thumbnail') return undefined;
    const { meta, image } = payload;
    return async (db, stored) => {
      await db.query(INSERT_THUMBNAIL, [
        meta.streamId,
        meta.feedId,
        meta.tokenId,
        millicastTime(meta.timestamp),
        meta.contentType,
        image.length,
        image,
        stored.deliveryId,
      ]);
      await db.query(PRUNE_THUMBNAILS, [meta.streamId, this.thumbnailsPerStream]);
      if (++this.thumbnailsSincePrune >= TOTAL_PRUNE_EVERY) {
        this.thumbnailsSincePrune = 0;
        await db.query(PRUNE_THUMBNAILS_TOTAL, [this.thumbnailsTotal]);
      }
    };
  }

  bodyStoredElsewhere(raw: RawDelivery): boolean {
    return isThumbnailContentType(raw.contentType);
  }

  private async decodeJson(raw: RawDelivery): Promise<DecodeResult<MillicastPayload>> {
    const json = decodeJsonObject(raw);
    if (!json.ok) return json;
    const envelope = await validateDto(MillicastEnvelopeDto, json.value);
    if (!envelope.ok) return envelope;
    const { type, event, timestamp, data } = envelope.value;
    const info: EnvelopeInfo = {
      type,
      event,
      timestamp,
      body: json.value,
      bodySha256: createHash('sha256').update(raw.body).digest('hex'),
    };
    const hook = classifyHook(type, event);
    if (hook === null) return { ok: true, value: { family: 'unknown', envelope: info } };

    const validated = await validateDto(DATA_DTO[hook.family], data ?? {}, 'data');
    if (!validated.ok) return validated;
    // The DTO classes match the families one to one (DATA_DTO), which the compiler cannot follow.
    return { ok: true, value: { ...hook, envelope: info, data: validated.value } as MillicastPayload };
  }

  private async decodeThumbnail(raw: RawDelivery): Promise<DecodeResult<MillicastPayload>> {
    if (raw.body.length === 0) return reject(400, 'empty-body', 'The thumbnail body is empty.');
    if (raw.body.length > this.thumbnailMaxBytes) {
      return reject(
        422,
        'thumbnail-too-large',
        `The thumbnail is ${raw.body.length} bytes; at most ${this.thumbnailMaxBytes} are accepted (MILLICAST_THUMBNAIL_MAX_BYTES).`,
      );
    }
    if (!isJpeg(raw.body)) {
      return reject(422, 'validation-failed', 'The body is labelled image/jpeg but is not a JPEG image.');
    }
    const headers = await validateDto(ThumbnailHeadersDto, raw.headers);
    if (!headers.ok) return headers;
    return { ok: true, value: thumbnailPayload(headers.value, raw.body) };
  }
}
