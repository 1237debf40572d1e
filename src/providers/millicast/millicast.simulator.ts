import {
  millicastJsonRequest,
  millicastThumbnailRequest,
  tinyJpeg,
} from '../../../test/support/millicast-sender';
import { stableHex, stableInt, stableUuid } from 'src/simulator/stable-id';
import { matchEvent, ProviderSimulator, SimContext, SimRequest } from 'src/simulator/simulator.types';

/** `<type>.<event>` for every documented JSON hook, spelled as in Millicast's examples, plus the thumbnail. */
const EVENTS = [
  'feeds.started',
  'feeds.ended',
  'recordings.started',
  'recordings.completed',
  'recordings.error',
  'recordings.deleted',
  'media.processing',
  'media.completed',
  'media.errored',
  'media.deleted',
  'transcoder.ACTIVE',
  'transcoder.STOPPED',
  'transcoder.DELETED',
  'viewerConnection.viewerAttempt',
  'viewerConnection.firstViewerConnection',
  'viewerConnection.noActiveViewers',
  'thumbnail',
] as const;
type MillicastEvent = (typeof EVENTS)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The account used when `--session` names only a stream (Millicast account ids are six characters). */
export const DEFAULT_ACCOUNT_ID = 'HkTrDm';

export interface MillicastStream {
  accountId: string;
  streamName: string;
  /** `account/stream`, as Millicast names a stream in hooks and thumbnail headers. */
  streamId: string;
}

/** `--session` is a stream name, or `account/stream`. */
export function millicastStream(session: string): MillicastStream {
  const slash = session.indexOf('/');
  const accountId = slash > 0 ? session.slice(0, slash) : DEFAULT_ACCOUNT_ID;
  const streamName = slash > 0 ? session.slice(slash + 1) : session;
  return { accountId, streamName, streamId: `${accountId}/${streamName}` };
}

/** Ids of one stream's feed, recording, media asset, token and transcoder, stable across separate sends. */
function ids(stream: MillicastStream) {
  return {
    feedId: stableUuid('millicast-feed', stream.streamId),
    recordFileId: stableInt(1_000_000, 'millicast-record-file', stream.streamId),
    tokenId: stableInt(10_000_000, 'millicast-token', stream.streamId),
    mediaAssetId: stableHex(32, 'millicast-media', stream.streamId),
    transcoderId: stableUuid('millicast-transcoder', stream.streamId),
  };
}

const RECORDING_METADATA = {
  format: 'MPEG-4',
  sizes: { concat: 734_003_200, dash: 751_200_512, thumbnails: 0 },
  duration: 7_200,
  tracks: [
    { type: 'video', codec: 'H264', bitrate: 2_898_391, width: 1280, height: 720, framerate: 30 },
    { type: 'audio', codec: 'Opus', bitrate: 100_575, channels: 2, samplerate: 48_000 },
  ],
};

/** The hook Millicast sends for `event` at `ctx.at`, for a stream that started two hours earlier at most. */
function hook(event: Exclude<MillicastEvent, 'thumbnail'>, ctx: SimContext): Record<string, unknown> {
  const stream = millicastStream(ctx.session);
  const id = ids(stream);
  const [type, name] = event.split('.') as [string, string];
  const envelope = (data: Record<string, unknown>) => ({ type, event: name, timestamp: ctx.at, data });
  const feed = {
    feedId: id.feedId,
    accountId: stream.accountId,
    name: stream.streamName,
    streamId: stream.streamId,
  };
  const recording = {
    recordFileId: id.recordFileId,
    tokenId: id.tokenId,
    streamName: stream.streamName,
    recordedOn: ctx.at - 150,
  };
  const media = (metadata: Record<string, unknown>) => ({
    mediaAssetId: id.mediaAssetId,
    tokenId: id.tokenId,
    streamName: stream.streamName,
    streamId: stream.streamId,
    startTime: ctx.at - 120,
    type: 'recording',
    metadata,
    expiration: ctx.at + 90 * 86_400_000,
  });
  const transcoder = (status: string) => ({
    transcoderId: id.transcoderId,
    transcoderName: `${stream.streamName}-abr`,
    cluster: 'fra-1',
    createdOn: new Date(ctx.at - 3_600_000).toISOString(),
    status,
  });
  const viewers = { name: stream.streamName, accountId: stream.accountId, streamId: stream.streamId };
  switch (event) {
    case 'feeds.started':
      return envelope({ ...feed, started: ctx.at - 130, active: true });
    case 'feeds.ended':
      return envelope({ ...feed, started: ctx.at - 7_200_000, ended: ctx.at - 110, active: false });
    case 'recordings.started':
    case 'recordings.error':
      return envelope(recording);
    case 'recordings.completed':
      return envelope({ ...recording, metadata: RECORDING_METADATA });
    case 'recordings.deleted':
      return envelope({ ...recording, removedOn: ctx.at - 100 });
    case 'media.processing':
    case 'media.errored':
    case 'media.deleted':
      return envelope(media({}));
    case 'media.completed':
      return envelope(media({ format: 'MPEG-4', sizes: { concat: 734_003_200 }, duration: 7_200 }));
    case 'transcoder.ACTIVE':
      return envelope(transcoder('Active'));
    case 'transcoder.STOPPED':
      return envelope(transcoder('Shutdown'));
    case 'transcoder.DELETED':
      return envelope(transcoder('Deleted'));
    case 'viewerConnection.viewerAttempt':
    case 'viewerConnection.firstViewerConnection':
    case 'viewerConnection.noActiveViewers':
      return envelope(viewers);
  }
}

/** Signed as Millicast signs: `X-Millicast-Signature: sha1=HMAC-SHA1(base64-decoded secret, raw body)`. */
function build(name: string, ctx: SimContext): SimRequest {
  const event = matchEvent('millicast', name, EVENTS) as MillicastEvent;
  if (event !== 'thumbnail') return millicastJsonRequest(hook(event, ctx), ctx.secret);
  const stream = millicastStream(ctx.session);
  const id = ids(stream);
  return millicastThumbnailRequest(
    tinyJpeg(`${stream.streamId} ${new Date(ctx.at).toISOString()}`),
    { streamId: stream.streamId, timestamp: ctx.at, feedId: id.feedId, tokenId: String(id.tokenId) },
    ctx.secret,
  );
}

export const millicastSimulator: ProviderSimulator = {
  provider: 'millicast',
  secretVariable: 'MILLICAST_WEBHOOK_SECRETS',
  exampleSecret: 'ZGV2LW1pbGxpY2FzdC1zZWNyZXQtY2hhbmdlLW1l',
  events: EVENTS,
  sessionMeaning: `the stream name, or account/stream (default account ${DEFAULT_ACCOUNT_ID})`,
  build,
  // 11:00 a two-hour live stream, transcoded and recorded, with viewers and thumbnails.
  demo: {
    startHour: 3,
    // Millicast's own example stream, which the API documentation's examples name too.
    session: 'ZG6NWV/sample_stream',
    steps: ({ session, start, secret, env }) => {
      const steps: Array<[string, number]> = [
        ['transcoder.ACTIVE', -2 * MINUTE],
        ['viewerConnection.viewerAttempt', -MINUTE],
        ['feeds.started', 0],
        ['recordings.started', 2_000],
        ['media.processing', 2_500],
        ['viewerConnection.firstViewerConnection', 15_000],
        ...[0.5, 30, 60, 90, 119.5].map((minutes): [string, number] => ['thumbnail', minutes * MINUTE]),
        ['feeds.ended', 2 * HOUR],
        ['recordings.completed', 2 * HOUR + 40_000],
        ['media.completed', 2 * HOUR + 45_000],
        ['viewerConnection.noActiveViewers', 2 * HOUR + 60_000],
        ['transcoder.STOPPED', 2 * HOUR + 2 * MINUTE],
      ];
      return steps.map(([event, offset]) => ({
        label: `millicast ${event}`,
        request: build(event, { secret, session, at: start + offset, env }),
      }));
    },
    lookAround: (session) => {
      const stream = millicastStream(session);
      const enc = encodeURIComponent;
      return {
        title: 'the Millicast stream: its feed, recordings and latest thumbnail',
        paths: ['/api/sessions?provider=millicast', '/api/recordings?provider=millicast'],
        downloads: [
          {
            path: `/api/millicast/streams/${enc(stream.accountId)}/${enc(stream.streamName)}/thumbnail`,
            file: 'thumbnail.jpg',
          },
        ],
      };
    },
  },
};
