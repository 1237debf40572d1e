import { createHmac } from 'node:crypto';

/**
 * Builds and signs requests exactly as Dolby.io Real-time Streaming (Millicast) does, for the e2e tests, the
 * benchmark and the sender simulator. Secrets are given as the dashboard shows them (base64).
 */

/** Millicast's published verification sample, as the sender: `'sha1=' + hex(HMAC-SHA1(base64-decoded secret, body))`. */
export function signMillicast(body: Buffer | string, webhookSecret: string): string {
  const webhookSecretBuffer = Buffer.from(webhookSecret, 'base64');
  return 'sha1=' + createHmac('sha1', webhookSecretBuffer).update(body).digest('hex');
}

export interface SignedRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export const MILLICAST_PATH = '/webhooks/millicast';

/** A JSON hook (`{type, event, timestamp, data}`) serialised once and signed over those bytes. */
export function millicastJsonRequest(hook: object, webhookSecret: string): SignedRequest {
  const body = Buffer.from(JSON.stringify(hook));
  return {
    path: MILLICAST_PATH,
    headers: {
      'Content-Type': 'application/json',
      'X-Millicast-Signature': signMillicast(body, webhookSecret),
    },
    body,
  };
}

export interface ThumbnailMetaHeaders {
  streamId: string;
  /** Epoch milliseconds. */
  timestamp: number;
  feedId?: string;
  tokenId?: string;
}

/** A thumbnail hook: the JPEG is the body (and what is signed), the metadata is in headers. */
export function millicastThumbnailRequest(
  image: Buffer,
  meta: ThumbnailMetaHeaders,
  webhookSecret: string,
): SignedRequest {
  const headers: Record<string, string> = {
    'Content-Type': 'image/jpeg',
    'X-Millicast-Timestamp': String(meta.timestamp),
    'X-Millicast-Stream-Id': meta.streamId,
    'X-Millicast-Signature': signMillicast(image, webhookSecret),
  };
  if (meta.feedId !== undefined) headers['X-Millicast-Feed-Id'] = meta.feedId;
  if (meta.tokenId !== undefined) headers['X-Millicast-Token-Id'] = meta.tokenId;
  return { path: MILLICAST_PATH, headers, body: image };
}

/**
 * A real, decodable 8×8 mid-grey baseline JFIF image (159 bytes without a comment). `comment` adds a COM
 * segment, which keeps the image valid while making its bytes (and so its signature) distinct.
 */
export function tinyJpeg(comment?: string): Buffer {
  const segment = (marker: number, payload: number[] | Buffer): Buffer => {
    const bytes = Buffer.from(payload);
    const length = bytes.length + 2;
    return Buffer.concat([Buffer.from([0xff, marker, length >> 8, length & 0xff]), bytes]);
  };
  const oneCodeTable = (tableClass: number): number[] => [
    tableClass,
    1,
    ...new Array<number>(15).fill(0),
    0x00,
  ];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]), // SOI
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]), // APP0 JFIF 1.1
    ...(comment === undefined ? [] : [segment(0xfe, Buffer.from(comment, 'latin1'))]), // COM
    segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]), // DQT: table 0, all ones
    segment(0xc0, [0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00]), // SOF0: 8×8, one component
    segment(0xc4, oneCodeTable(0x00)), // DHT DC 0: one code, category 0
    segment(0xc4, oneCodeTable(0x10)), // DHT AC 0: one code, EOB
    segment(0xda, [0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]), // SOS
    Buffer.from([0x3f]), // one block: DC diff 0, EOB, padded with ones
    Buffer.from([0xff, 0xd9]), // EOI
  ]);
}

/**
 * Millicast's documented examples (feeds, recording, media, transcoder and viewerConnection pages), as JSON
 * bodies. Where a page shows only some events, the others are written from its field list.
 */
export const MILLICAST_DOC_EXAMPLES: ReadonlyArray<{ name: string; hook: Record<string, unknown> }> = [
  {
    name: 'feeds.started',
    hook: {
      type: 'feeds',
      event: 'started',
      timestamp: 1638463486489,
      data: {
        feedId: '369e4a86-f937-4254-bd9f-99dc484d2bd6',
        accountId: 'ZG6NWV',
        name: 'sample_stream',
        streamId: 'ZG6NWV/sample_stream',
        started: 1638463486359,
        active: true,
      },
    },
  },
  {
    name: 'feeds.ended',
    hook: {
      type: 'feeds',
      event: 'ended',
      timestamp: 1638463501075,
      data: {
        feedId: '369e4a86-f937-4254-bd9f-99dc484d2bd6',
        accountId: 'ZG6NWV',
        name: 'sample_stream',
        streamId: 'ZG6NWV/sample_stream',
        active: false,
        ended: 1638463500963,
      },
    },
  },
  {
    name: 'recordings.started',
    hook: {
      type: 'recordings',
      event: 'started',
      timestamp: 1639296462907,
      data: { recordFileId: 7975, tokenId: 142366, streamName: 'sample_stream', recordedOn: 1639296462755 },
    },
  },
  {
    name: 'recordings.completed',
    hook: {
      type: 'recordings',
      event: 'completed',
      timestamp: 1639296471486,
      data: {
        recordFileId: 7975,
        tokenId: 142366,
        streamName: 'sample_stream',
        recordedOn: 1639296463000,
        metadata: {
          format: 'MPEG-4',
          sizes: { concat: 92791, dash: 97934, thumbnails: 0 },
          duration: 1,
          tracks: [
            { type: 'video', codec: 'H264', bitrate: 2898391, width: 640, height: 360, framerate: 29.97 },
            { type: 'audio', codec: 'Opus', bitrate: 100575, channels: 2, samplerate: 48000 },
          ],
        },
      },
    },
  },
  {
    name: 'recordings.deleted',
    hook: {
      type: 'recordings',
      event: 'deleted',
      timestamp: 1639382871486,
      data: {
        recordFileId: 7975,
        tokenId: 142366,
        streamName: 'sample_stream',
        recordedOn: 1639296463000,
        removedOn: 1639382871400,
      },
    },
  },
  {
    name: 'recording.error (legacy type name)',
    hook: {
      type: 'recording',
      event: 'error',
      timestamp: 1639296471486,
      data: { recordFileId: 7976, tokenId: 142366, streamName: 'other_stream', recordedOn: 1639296462755 },
    },
  },
  {
    name: 'media.processing (clip)',
    hook: {
      type: 'media',
      event: 'processing',
      timestamp: 1725259930753,
      data: {
        mediaAssetId: 'c6631104197a4091943775697948adbe',
        tokenId: 1187282,
        streamName: 'test-record-clip',
        streamId: 'dkxfvY/test-record-clip',
        startTime: 1725259930643,
        type: 'clip',
        metadata: {},
        expiration: 1733900336143,
      },
    },
  },
  {
    name: 'media.completed (clip)',
    hook: {
      type: 'media',
      event: 'completed',
      timestamp: 1725259996512,
      data: {
        mediaAssetId: 'c6631104197a4091943775697948adbe',
        tokenId: 1187282,
        streamName: 'test-record-clip',
        streamId: 'dkxfvY/test-record-clip',
        startTime: 1725259930643,
        type: 'clip',
        metadata: { format: 'MPEG-4', sizes: { concat: 4410213 }, duration: 60.04 },
        expiration: 1733900336143,
      },
    },
  },
  {
    name: 'media.errored (recording)',
    hook: {
      type: 'media',
      event: 'errored',
      timestamp: 1725260102000,
      data: {
        mediaAssetId: '7d2d3a3f0b4e4a4c9f1e2b3c4d5e6f70',
        tokenId: 1187282,
        streamName: 'test-record-clip',
        streamId: 'dkxfvY/test-record-clip',
        startTime: 1725260001000,
        type: 'recording',
        metadata: {},
        expiration: 1733900400000,
      },
    },
  },
  {
    name: 'media.deleted (recording)',
    hook: {
      type: 'media',
      event: 'deleted',
      timestamp: 1733900400200,
      data: {
        mediaAssetId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
        tokenId: 1187282,
        streamName: 'test-record-clip',
        streamId: 'dkxfvY/test-record-clip',
        startTime: 1725000000000,
        type: 'recording',
        metadata: {},
        expiration: 1733900400000,
      },
    },
  },
  {
    name: 'transcoder.ACTIVE',
    hook: {
      type: 'transcoder',
      event: 'ACTIVE',
      timestamp: 1724889842678,
      data: {
        transcoderId: '0d09f40-2988-47aa-8ac7-dca04b971cf',
        transcoderName: 'test_webhooks',
        cluster: 'lon-1',
        createdOn: 'YYYY-MM-DDTHH:MM:SSZ',
        status: 'Active',
      },
    },
  },
  {
    name: 'transcoder.STOPPED',
    hook: {
      type: 'transcoder',
      event: 'STOPPED',
      timestamp: 1724891135725,
      data: {
        transcoderId: 'fddcbce-e3a3-4efe-8a42-060c31189a2',
        transcoderName: 'test_webhooks',
        cluster: 'lon-1',
        createdOn: 'YYYY-MM-DDTHH:MM:SSZ',
        status: 'Shutdown',
      },
    },
  },
  {
    name: 'transcoder.DELETED',
    hook: {
      type: 'transcoder',
      event: 'DELETED',
      timestamp: 1724890175017,
      data: {
        transcoderId: '009ff40-2988-47aa-8ac7-dc904b971cf',
        transcoderName: 'test_webhooks',
        cluster: 'lon-1',
        createdOn: '2024-08-28T23:59:00Z',
        status: 'Deleted',
      },
    },
  },
  {
    name: 'viewerConnection.viewerAttempt',
    hook: {
      type: 'viewerConnection',
      event: 'viewerAttempt',
      timestamp: 1727442713604,
      data: { name: 'myAwesomeStream', accountId: 'ABC123', streamId: 'ABC123/myAwesomeStream' },
    },
  },
  {
    name: 'viewerConnection.firstViewerConnection',
    hook: {
      type: 'viewerConnection',
      event: 'firstViewerConnection',
      timestamp: 1727442745120,
      data: { name: 'myAwesomeStream', accountId: 'ABC123', streamId: 'ABC123/myAwesomeStream' },
    },
  },
  {
    name: 'viewerConnection.NoActiveViewers (PascalCase, as PROVIDERS.md spells it)',
    hook: {
      type: 'viewerConnection',
      event: 'NoActiveViewers',
      timestamp: 1727446400250,
      data: { name: 'myAwesomeStream', accountId: 'ABC123', streamId: 'ABC123/myAwesomeStream' },
    },
  },
];

/**
 * A realistic stretch of one stream's life as Millicast reports it, `start` = epoch ms of the first hook:
 * a feed that ends and a republish, a recording (legacy hooks) and two media assets through their
 * lifecycles, a transcoder that stops and restarts before deletion, viewer events, a hook type this version
 * does not know and five thumbnails. Sent in any order, it must fold into the same state.
 */
export function millicastStreamFlow(
  accountId: string,
  webhookSecret: string,
  start = 1700000000000,
): SignedRequest[] {
  const streamId = `${accountId}/flow`;
  const t = (seconds: number) => start + seconds * 1000;
  const feedA = `${accountId}-feed-a`;
  const feedB = `${accountId}-feed-b`;
  const feed = (event: string, at: number, feedId: string, extra: Record<string, unknown>) => ({
    type: 'feeds',
    event,
    timestamp: t(at),
    data: { feedId, accountId, name: 'flow', streamId, ...extra },
  });
  const recording = (event: string, at: number, extra: Record<string, unknown> = {}) => ({
    type: 'recordings',
    event,
    timestamp: t(at),
    data: { recordFileId: 9001, tokenId: 77, streamName: 'flow', recordedOn: t(1) - 40, ...extra },
  });
  const media = (
    event: string,
    at: number,
    id: string,
    type: string,
    metadata: Record<string, unknown> = {},
  ) => ({
    type: 'media',
    event,
    timestamp: t(at),
    data: {
      mediaAssetId: `${accountId}-${id}`,
      tokenId: 77,
      streamName: 'flow',
      streamId,
      startTime: t(at) - 50,
      type,
      metadata,
      expiration: t(86_400),
    },
  });
  const transcoder = (event: string, at: number, status: string) => ({
    type: 'transcoder',
    event,
    timestamp: t(at),
    data: {
      transcoderId: `${accountId}-tc`,
      transcoderName: 'flow-abr',
      cluster: 'fra-1',
      createdOn: new Date(start - 60_000).toISOString(),
      status,
    },
  });
  const viewers = (event: string, at: number) => ({
    type: 'viewerConnection',
    event,
    timestamp: t(at),
    data: { name: 'flow', accountId, streamId },
  });
  const hooks = [
    feed('started', 0, feedA, { started: t(0) - 120, active: true }),
    transcoder('ACTIVE', 0, 'Active'),
    recording('started', 1),
    viewers('firstViewerConnection', 2),
    { type: 'clips', event: 'created', timestamp: t(3), data: { clipId: `${accountId}-future`, streamId } },
    media('processing', 5, 'rec', 'recording'),
    media('processing', 10, 'clip', 'clip'),
    transcoder('STOPPED', 20, 'Shutdown'),
    transcoder('ACTIVE', 25, 'Active'),
    recording('completed', 30, {
      metadata: {
        format: 'MPEG-4',
        sizes: { concat: 123456, dash: 130000, thumbnails: 0 },
        duration: 29,
        tracks: [],
      },
    }),
    media('completed', 40, 'clip', 'clip', { format: 'MPEG-4', sizes: { concat: 2048000 }, duration: 30 }),
    media('errored', 45, 'rec', 'recording'),
    feed('ended', 50, feedA, { started: t(0) - 120, ended: t(50) - 80, active: false }),
    feed('started', 51, feedB, { started: t(51) - 90, active: true, sourceId: 'camera-2' }),
    transcoder('DELETED', 60, 'Deleted'),
    viewers('noActiveViewers', 70),
    recording('deleted', 100, { removedOn: t(100) - 10 }),
  ];
  const thumbnails = [5, 35, 65, 95, 125].map((at, i) =>
    millicastThumbnailRequest(
      tinyJpeg(`${streamId} #${i}`),
      { streamId, timestamp: t(at), feedId: at < 50 ? feedA : feedB, tokenId: '77' },
      webhookSecret,
    ),
  );
  return [...hooks.map((hook) => millicastJsonRequest(hook, webhookSecret)), ...thumbnails];
}
