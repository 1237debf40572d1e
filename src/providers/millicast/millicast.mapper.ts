import { createHash } from 'node:crypto';
import type {
  IngestPlan,
  RecordingChange,
  SessionChange,
  StatusChange,
  TimelineEvent,
} from 'src/ingestion/ingestion.types';
import type { FeedDataDto } from 'src/providers/millicast/dto/feeds.dto';
import type { MediaDataDto } from 'src/providers/millicast/dto/media.dto';
import type { RecordingMetadataDto } from 'src/providers/millicast/dto/recording-metadata.dto';
import type { RecordingDataDto } from 'src/providers/millicast/dto/recordings.dto';
import type { TranscoderDataDto } from 'src/providers/millicast/dto/transcoder.dto';
import type { ViewerConnectionDataDto } from 'src/providers/millicast/dto/viewer-connection.dto';
import type {
  EnvelopeInfo,
  MillicastEventOf,
  MillicastPayload,
  ThumbnailMeta,
} from 'src/providers/millicast/millicast-hooks';

/** A feed is live until it ends; `ended` outranks `live`, so a late `started` never revives a feed. */
export const FEED_STATUS: Record<MillicastEventOf<'feeds'>, StatusChange> = {
  started: { value: 'live', rank: 1 },
  ended: { value: 'ended', rank: 2 },
};

/**
 * Recording lifecycle (legacy `recordings` hooks and `media` hooks share it): in progress → finished
 * (completed or failed; same rank, so the newer of the two wins) → deleted (terminal). A late `processing`
 * or `started` never undoes `completed`.
 */
export const RECORDING_STATUS: Record<MillicastEventOf<'recordings'>, StatusChange> = {
  started: { value: 'recording', rank: 1 },
  completed: { value: 'completed', rank: 2 },
  error: { value: 'failed', rank: 2 },
  deleted: { value: 'deleted', rank: 3 },
};

export const MEDIA_STATUS: Record<MillicastEventOf<'media'>, StatusChange> = {
  processing: { value: 'processing', rank: 1 },
  completed: { value: 'completed', rank: 2 },
  errored: { value: 'failed', rank: 2 },
  deleted: { value: 'deleted', rank: 3 },
};

/** A transcoder goes back and forth between active and stopped (newest wins); deleted is terminal. */
export const TRANSCODER_STATUS: Record<MillicastEventOf<'transcoder'>, StatusChange> = {
  active: { value: 'active', rank: 1 },
  stopped: { value: 'stopped', rank: 1 },
  deleted: { value: 'deleted', rank: 2 },
};

/**
 * Millicast's examples use epoch milliseconds; its older docs say seconds. A value that can only be
 * seconds (before 1973-03-03 read as milliseconds) is read as seconds.
 */
export function millicastTime(epoch: number): Date {
  return new Date(epoch >= 100_000_000_000 ? epoch : epoch * 1000);
}

/** `accountId/streamName` split in two; a stream id without a slash gives nothing. */
export function splitStreamId(streamId: string): { accountId?: string; name?: string } {
  const slash = streamId.indexOf('/');
  if (slash <= 0 || slash === streamId.length - 1) return {};
  return { accountId: streamId.slice(0, slash), name: streamId.slice(slash + 1) };
}

/** Drops undefined and null, so an event that does not mention a field never blanks it. */
function compact(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null));
}

const idText = (id: string | number | undefined): string | undefined =>
  id === undefined || id === null ? undefined : String(id);

const isoOf = (epoch: number | undefined): string | undefined =>
  epoch === undefined || epoch === null ? undefined : millicastTime(epoch).toISOString();

/**
 * The stream a feed, media asset, viewer event or thumbnail belongs to. Its attributes come from the stream
 * id alone, so every event about the stream writes the same values whatever order they arrive in.
 */
function streamSession(streamId: string): SessionChange {
  return { externalId: streamId, kind: 'stream', attributes: compact(splitStreamId(streamId)) };
}

/** Unique per hook: Millicast does not retry, so the same key means the same hook delivered twice. */
function key(family: string, event: string, id: string, timestamp: number): string {
  const text = `${family}|${event}|${id}|${timestamp}`;
  return text.length <= 500 ? text : `${family}|${event}|sha256:${sha256(id)}|${timestamp}`;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function timelineEvent(envelope: EnvelopeInfo, known: boolean, links: Partial<TimelineEvent>): TimelineEvent {
  return {
    type: `${envelope.type}.${envelope.event}`,
    known,
    occurredAt: millicastTime(envelope.timestamp),
    payload: envelope.body,
    ...links,
  };
}

/** What the metadata of a finished recording says, in our units: ms and bytes. Absent facts stay absent. */
function recordingFacts(metadata: RecordingMetadataDto | undefined): {
  durationMs: number | null;
  sizeBytes: number | null;
  attributes: Record<string, unknown>;
} {
  if (!metadata) return { durationMs: null, sizeBytes: null, attributes: {} };
  const { sizes } = metadata;
  const sizesObject =
    typeof sizes === 'object' && sizes !== null && !Array.isArray(sizes) ? sizes : undefined;
  const fileSize = typeof sizes === 'number' ? sizes : sizesObject?.concat;
  const hasTracks = Array.isArray(metadata.tracks) && metadata.tracks.length > 0;
  const hasSizes =
    typeof sizes === 'number' || (sizesObject !== undefined && Object.keys(sizesObject).length > 0);
  return {
    durationMs: typeof metadata.duration === 'number' ? Math.round(metadata.duration * 1000) : null,
    sizeBytes:
      typeof fileSize === 'number' && Number.isFinite(fileSize) && fileSize >= 0
        ? Math.round(fileSize)
        : null,
    attributes: compact({
      format: metadata.format,
      sizes: hasSizes ? sizes : undefined,
      tracks: hasTracks ? metadata.tracks : undefined,
    }),
  };
}

function planFeed(event: MillicastEventOf<'feeds'>, envelope: EnvelopeInfo, data: FeedDataDto): IngestPlan {
  const occurredAt = millicastTime(envelope.timestamp);
  const startedAt = data.started !== undefined ? millicastTime(data.started) : null;
  const endedAt = data.ended !== undefined ? millicastTime(data.ended) : null;
  const feed: SessionChange = {
    externalId: data.feedId,
    kind: 'feed',
    parentExternalId: data.streamId,
    status: FEED_STATUS[event],
    // A hook without its own time falls back on when it was sent.
    startedAt: startedAt ?? (event === 'started' ? occurredAt : null),
    endedAt: endedAt ?? (event === 'ended' ? occurredAt : null),
    attributes: compact({
      streamId: data.streamId,
      accountId: data.accountId,
      name: data.name,
      active: data.active,
      priority: data.priority,
      sourceId: data.sourceId,
      simulcastId: data.simulcastId,
    }),
  };
  return {
    idempotencyKey: key('feeds', event, data.feedId, envelope.timestamp),
    event: timelineEvent(envelope, true, { sessionExternalId: data.feedId }),
    sessions: [streamSession(data.streamId), feed],
  };
}

function planRecording(
  event: MillicastEventOf<'recordings'>,
  envelope: EnvelopeInfo,
  data: RecordingDataDto,
): IngestPlan {
  const id = String(data.recordFileId);
  const facts = recordingFacts(data.metadata);
  const recording: RecordingChange = {
    externalId: id,
    kind: 'recording',
    status: RECORDING_STATUS[event],
    startedAt: data.recordedOn !== undefined ? millicastTime(data.recordedOn) : null,
    durationMs: facts.durationMs,
    sizeBytes: facts.sizeBytes,
    error: event === 'error' ? 'Millicast reported an error processing the recording.' : null,
    attributes: compact({
      // Legacy recording hooks name the stream but not its account, so they are not linked to a stream session.
      streamName: data.streamName,
      tokenId: idText(data.tokenId),
      removedAt: isoOf(data.removedOn),
      ...facts.attributes,
    }),
  };
  return {
    idempotencyKey: key('recordings', event, id, envelope.timestamp),
    event: timelineEvent(envelope, true, { recordingExternalId: id }),
    recordings: [recording],
  };
}

function planMedia(event: MillicastEventOf<'media'>, envelope: EnvelopeInfo, data: MediaDataDto): IngestPlan {
  const id = String(data.mediaAssetId);
  const facts = recordingFacts(data.metadata);
  const recording: RecordingChange = {
    externalId: id,
    sessionExternalId: data.streamId,
    kind: data.type,
    status: MEDIA_STATUS[event],
    startedAt: data.startTime !== undefined ? millicastTime(data.startTime) : null,
    durationMs: facts.durationMs,
    sizeBytes: facts.sizeBytes,
    error: event === 'errored' ? 'Millicast reported an error processing the media asset.' : null,
    attributes: compact({
      streamId: data.streamId,
      streamName: data.streamName,
      tokenId: idText(data.tokenId),
      channelId: idText(data.channelId),
      expiresAt: isoOf(data.expiration),
      deletedAt: event === 'deleted' ? millicastTime(envelope.timestamp).toISOString() : undefined,
      ...facts.attributes,
    }),
  };
  return {
    idempotencyKey: key('media', event, id, envelope.timestamp),
    event: timelineEvent(envelope, true, { recordingExternalId: id, sessionExternalId: data.streamId }),
    sessions: data.streamId !== undefined ? [streamSession(data.streamId)] : [],
    recordings: [recording],
  };
}

function planTranscoder(
  event: MillicastEventOf<'transcoder'>,
  envelope: EnvelopeInfo,
  data: TranscoderDataDto,
): IngestPlan {
  const id = String(data.transcoderId);
  const created =
    typeof data.createdOn === 'number'
      ? millicastTime(data.createdOn)
      : data.createdOn !== undefined
        ? new Date(data.createdOn)
        : null;
  const transcoder: SessionChange = {
    externalId: id,
    kind: 'transcoder',
    status: TRANSCODER_STATUS[event],
    // createdOn is a placeholder in the docs' examples; an unreadable value is kept only as an attribute.
    startedAt: created !== null && !Number.isNaN(created.getTime()) ? created : null,
    endedAt: event === 'deleted' ? millicastTime(envelope.timestamp) : null,
    attributes: compact({ name: data.transcoderName, cluster: data.cluster, createdOn: data.createdOn }),
  };
  return {
    idempotencyKey: key('transcoder', event, id, envelope.timestamp),
    event: timelineEvent(envelope, true, { sessionExternalId: id }),
    sessions: [transcoder],
  };
}

function planViewerConnection(
  event: MillicastEventOf<'viewerConnection'>,
  envelope: EnvelopeInfo,
  data: ViewerConnectionDataDto,
): IngestPlan {
  return {
    idempotencyKey: key('viewerConnection', event, data.streamId, envelope.timestamp),
    event: timelineEvent(envelope, true, { sessionExternalId: data.streamId }),
    sessions: [streamSession(data.streamId)],
  };
}

function planUnknown(envelope: EnvelopeInfo): IngestPlan {
  const type = envelope.type.toLowerCase();
  const event = envelope.event.toLowerCase();
  return {
    idempotencyKey: key(`unknown:${type}`, event, `sha256:${envelope.bodySha256}`, envelope.timestamp),
    event: timelineEvent(envelope, false, {}),
  };
}

/** The timeline entry of a thumbnail: its metadata and size, never the bytes (those go to their own table). */
export function thumbnailEventPayload(meta: ThumbnailMeta, image: Buffer): Record<string, unknown> {
  return {
    streamId: meta.streamId,
    feedId: meta.feedId,
    tokenId: meta.tokenId,
    timestamp: meta.timestamp,
    capturedAt: millicastTime(meta.timestamp).toISOString(),
    contentType: meta.contentType,
    sizeBytes: image.length,
    sha256: sha256(image),
  };
}

function planThumbnail(meta: ThumbnailMeta, image: Buffer): IngestPlan {
  return {
    idempotencyKey: key('thumbnail', 'captured', `${meta.streamId}|${meta.feedId ?? ''}`, meta.timestamp),
    event: {
      type: 'thumbnail',
      known: true,
      occurredAt: millicastTime(meta.timestamp),
      payload: thumbnailEventPayload(meta, image),
      sessionExternalId: meta.streamId,
    },
    sessions: [streamSession(meta.streamId)],
  };
}

/** Pure: one decoded Millicast delivery → its timeline entry and the state it implies. */
export function mapMillicastHook(payload: MillicastPayload): IngestPlan {
  switch (payload.family) {
    case 'feeds':
      return planFeed(payload.event, payload.envelope, payload.data);
    case 'recordings':
      return planRecording(payload.event, payload.envelope, payload.data);
    case 'media':
      return planMedia(payload.event, payload.envelope, payload.data);
    case 'transcoder':
      return planTranscoder(payload.event, payload.envelope, payload.data);
    case 'viewerConnection':
      return planViewerConnection(payload.event, payload.envelope, payload.data);
    case 'unknown':
      return planUnknown(payload.envelope);
    case 'thumbnail':
      return planThumbnail(payload.meta, payload.image);
  }
}
