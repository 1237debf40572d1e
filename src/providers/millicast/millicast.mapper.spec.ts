import { createHash } from 'node:crypto';
import type { IngestPlan, SessionChange, StatusChange } from 'src/ingestion/ingestion.types';
import {
  classifyHook,
  EnvelopeInfo,
  KnownHook,
  MillicastPayload,
  ThumbnailMeta,
} from 'src/providers/millicast/millicast-hooks';
import {
  FEED_STATUS,
  mapMillicastHook,
  MEDIA_STATUS,
  millicastTime,
  RECORDING_STATUS,
  splitStreamId,
  TRANSCODER_STATUS,
} from 'src/providers/millicast/millicast.mapper';

/** A decoded JSON hook as the service hands it to the mapper (the DTOs are plain data to the mapper). */
function hook(
  type: string,
  event: string,
  timestamp: number,
  data: Record<string, unknown>,
): MillicastPayload {
  const body = { type, event, timestamp, data };
  const envelope: EnvelopeInfo = {
    type,
    event,
    timestamp,
    body,
    bodySha256: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
  };
  const known: KnownHook | null = classifyHook(type, event);
  if (known === null) return { family: 'unknown', envelope };
  return { ...known, envelope, data } as unknown as MillicastPayload;
}

const FEED_ID = '369e4a86-f937-4254-bd9f-99dc484d2bd6';
const STREAM = 'ZG6NWV/sample_stream';
const feedData = { feedId: FEED_ID, accountId: 'ZG6NWV', name: 'sample_stream', streamId: STREAM };
const at = (ms: number) => new Date(ms);

const thumbnailMeta: ThumbnailMeta = {
  streamId: STREAM,
  feedId: FEED_ID,
  tokenId: '142366',
  timestamp: 1638463516000,
  contentType: 'image/jpeg',
};
const IMAGE = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0xff, 0xd9]);

const cases: Array<[string, MillicastPayload, Partial<IngestPlan> & Record<string, unknown>]> = [
  [
    'feeds.started: a live feed session under its stream, started at data.started',
    hook('feeds', 'started', 1638463486489, { ...feedData, started: 1638463486359, active: true }),
    {
      idempotencyKey: `feeds|started|${FEED_ID}|1638463486489`,
      event: expect.objectContaining({
        type: 'feeds.started',
        known: true,
        occurredAt: at(1638463486489),
        sessionExternalId: FEED_ID,
      }),
      sessions: [
        { externalId: STREAM, kind: 'stream', attributes: { accountId: 'ZG6NWV', name: 'sample_stream' } },
        {
          externalId: FEED_ID,
          kind: 'feed',
          parentExternalId: STREAM,
          status: { value: 'live', rank: 1 },
          startedAt: at(1638463486359),
          endedAt: null,
          attributes: { streamId: STREAM, accountId: 'ZG6NWV', name: 'sample_stream', active: true },
        },
      ],
    },
  ],
  [
    'feeds.ended: the feed ends at data.ended',
    hook('feeds', 'ended', 1638463501075, { ...feedData, active: false, ended: 1638463500963 }),
    {
      idempotencyKey: `feeds|ended|${FEED_ID}|1638463501075`,
      sessions: [
        expect.objectContaining({ externalId: STREAM, kind: 'stream' }),
        expect.objectContaining({
          externalId: FEED_ID,
          status: { value: 'ended', rank: 2 },
          startedAt: null,
          endedAt: at(1638463500963),
          attributes: expect.objectContaining({ active: false }),
        }),
      ],
    },
  ],
  [
    'feeds.ended without data.ended: the feed ends when the hook was sent',
    hook('feeds', 'ended', 1638463501075, { ...feedData, active: false }),
    { sessions: [expect.anything(), expect.objectContaining({ endedAt: at(1638463501075) })] },
  ],
  [
    'recordings.completed: sizes, duration (s → ms) and tracks',
    hook('recordings', 'completed', 1639296471486, {
      recordFileId: 7975,
      tokenId: 142366,
      streamName: 'testy',
      recordedOn: 1639296463000,
      metadata: {
        format: 'MPEG-4',
        sizes: { concat: 92791, dash: 97934, thumbnails: 0 },
        duration: 1,
        tracks: [{ type: 'video', codec: 'H264' }],
      },
    }),
    {
      idempotencyKey: 'recordings|completed|7975|1639296471486',
      event: expect.objectContaining({ type: 'recordings.completed', recordingExternalId: '7975' }),
      recordings: [
        {
          externalId: '7975',
          kind: 'recording',
          status: { value: 'completed', rank: 2 },
          startedAt: at(1639296463000),
          durationMs: 1000,
          sizeBytes: 92791,
          error: null,
          attributes: {
            streamName: 'testy',
            tokenId: '142366',
            format: 'MPEG-4',
            sizes: { concat: 92791, dash: 97934, thumbnails: 0 },
            tracks: [{ type: 'video', codec: 'H264' }],
          },
        },
      ],
    },
  ],
  [
    'recording.error (legacy type name): failed, keyed like recordings',
    hook('recording', 'error', 1639296471486, {
      recordFileId: 7975,
      tokenId: 142366,
      recordedOn: 1639296462755,
    }),
    {
      idempotencyKey: 'recordings|error|7975|1639296471486',
      event: expect.objectContaining({ type: 'recording.error', known: true }),
      recordings: [
        expect.objectContaining({
          status: { value: 'failed', rank: 2 },
          error: expect.stringContaining('error'),
          durationMs: null,
          sizeBytes: null,
        }),
      ],
    },
  ],
  [
    'recordings.deleted: terminal, with the removal time',
    hook('recordings', 'deleted', 1639382871486, { recordFileId: 7975, removedOn: 1639382871400 }),
    {
      recordings: [
        expect.objectContaining({
          status: { value: 'deleted', rank: 3 },
          attributes: { removedAt: '2021-12-13T08:07:51.400Z' },
        }),
      ],
    },
  ],
  [
    'media.processing (clip): kind clip, linked to its stream, expiration kept',
    hook('media', 'processing', 1725259930753, {
      mediaAssetId: 'c6631104197a4091943775697948adbe',
      tokenId: 1187282,
      streamName: 'test-record-clip',
      streamId: 'dkxfvY/test-record-clip',
      startTime: 1725259930643,
      type: 'clip',
      metadata: {},
      expiration: 1733900336143,
    }),
    {
      idempotencyKey: 'media|processing|c6631104197a4091943775697948adbe|1725259930753',
      event: expect.objectContaining({
        type: 'media.processing',
        sessionExternalId: 'dkxfvY/test-record-clip',
        recordingExternalId: 'c6631104197a4091943775697948adbe',
      }),
      sessions: [
        {
          externalId: 'dkxfvY/test-record-clip',
          kind: 'stream',
          attributes: { accountId: 'dkxfvY', name: 'test-record-clip' },
        },
      ],
      recordings: [
        {
          externalId: 'c6631104197a4091943775697948adbe',
          sessionExternalId: 'dkxfvY/test-record-clip',
          kind: 'clip',
          status: { value: 'processing', rank: 1 },
          startedAt: at(1725259930643),
          durationMs: null,
          sizeBytes: null,
          error: null,
          attributes: {
            streamId: 'dkxfvY/test-record-clip',
            streamName: 'test-record-clip',
            tokenId: '1187282',
            expiresAt: '2024-12-11T06:58:56.143Z',
          },
        },
      ],
    },
  ],
  [
    'media.completed (recording): sizes and duration from metadata',
    hook('media', 'completed', 1725259996512, {
      mediaAssetId: 'a1',
      type: 'recording',
      metadata: { format: 'MPEG-4', sizes: { concat: 4410213 }, duration: 60.04 },
    }),
    {
      sessions: [],
      recordings: [
        expect.objectContaining({
          kind: 'recording',
          status: { value: 'completed', rank: 2 },
          durationMs: 60040,
          sizeBytes: 4410213,
        }),
      ],
    },
  ],
  [
    'media.completed with sizes as a plain byte count: read as the file size',
    hook('media', 'completed', 1725259996512, { mediaAssetId: 'a2', type: 'clip', metadata: { sizes: 777 } }),
    {
      recordings: [expect.objectContaining({ sizeBytes: 777, durationMs: null, attributes: { sizes: 777 } })],
    },
  ],
  [
    'media.errored: failed',
    hook('media', 'errored', 1725260102000, { mediaAssetId: 'a1', type: 'recording' }),
    {
      recordings: [
        expect.objectContaining({ status: { value: 'failed', rank: 2 }, error: expect.any(String) }),
      ],
    },
  ],
  [
    'media.deleted: terminal, with the deletion time',
    hook('media', 'deleted', 1733900400200, { mediaAssetId: 'a1', type: 'recording' }),
    {
      recordings: [
        expect.objectContaining({
          status: { value: 'deleted', rank: 3 },
          attributes: { deletedAt: '2024-12-11T07:00:00.200Z' },
        }),
      ],
    },
  ],
  [
    'transcoder.ACTIVE: a transcoder session; the docs placeholder createdOn is kept but not read as a time',
    hook('transcoder', 'ACTIVE', 1724889842678, {
      transcoderId: '0d09f40-2988-47aa-8ac7-dca04b971cf',
      transcoderName: 'test_webhooks',
      cluster: 'lon-1',
      createdOn: 'YYYY-MM-DDTHH:MM:SSZ',
      status: 'Active',
    }),
    {
      idempotencyKey: 'transcoder|active|0d09f40-2988-47aa-8ac7-dca04b971cf|1724889842678',
      event: expect.objectContaining({
        type: 'transcoder.ACTIVE',
        sessionExternalId: '0d09f40-2988-47aa-8ac7-dca04b971cf',
      }),
      sessions: [
        {
          externalId: '0d09f40-2988-47aa-8ac7-dca04b971cf',
          kind: 'transcoder',
          status: { value: 'active', rank: 1 },
          startedAt: null,
          endedAt: null,
          attributes: { name: 'test_webhooks', cluster: 'lon-1', createdOn: 'YYYY-MM-DDTHH:MM:SSZ' },
        },
      ],
    },
  ],
  [
    'transcoder.DELETED: terminal, ended when sent, started at createdOn',
    hook('transcoder', 'DELETED', 1724890175017, { transcoderId: 't1', createdOn: '2024-08-28T23:59:00Z' }),
    {
      sessions: [
        expect.objectContaining({
          status: { value: 'deleted', rank: 2 },
          startedAt: new Date('2024-08-28T23:59:00Z'),
          endedAt: at(1724890175017),
        }),
      ],
    },
  ],
  [
    'viewerConnection.viewerAttempt: an event on the stream timeline, no status',
    hook('viewerConnection', 'viewerAttempt', 1727442713604, {
      name: 'myAwesomeStream',
      accountId: 'ABC123',
      streamId: 'ABC123/myAwesomeStream',
    }),
    {
      idempotencyKey: 'viewerConnection|viewerattempt|ABC123/myAwesomeStream|1727442713604',
      event: expect.objectContaining({
        type: 'viewerConnection.viewerAttempt',
        known: true,
        sessionExternalId: 'ABC123/myAwesomeStream',
      }),
      sessions: [
        {
          externalId: 'ABC123/myAwesomeStream',
          kind: 'stream',
          attributes: { accountId: 'ABC123', name: 'myAwesomeStream' },
        },
      ],
    },
  ],
  [
    'an unknown type: kept on the timeline, flagged, no state',
    hook('clips', 'created', 1727442713604, { clipId: 'x' }),
    {
      idempotencyKey: expect.stringMatching(/^unknown:clips\|created\|sha256:[0-9a-f]{64}\|1727442713604$/),
      event: expect.objectContaining({ type: 'clips.created', known: false }),
    },
  ],
  [
    'an unknown event of a known type: kept, flagged, no state',
    hook('feeds', 'paused', 1727442713604, feedData),
    { event: expect.not.objectContaining({ sessionExternalId: expect.anything() }) },
  ],
  [
    'a thumbnail: on the stream timeline with its metadata and size, never its bytes',
    { family: 'thumbnail', meta: thumbnailMeta, image: IMAGE },
    {
      idempotencyKey: `thumbnail|captured|${STREAM}|${FEED_ID}|1638463516000`,
      event: {
        type: 'thumbnail',
        known: true,
        occurredAt: at(1638463516000),
        sessionExternalId: STREAM,
        payload: {
          streamId: STREAM,
          feedId: FEED_ID,
          tokenId: '142366',
          timestamp: 1638463516000,
          capturedAt: '2021-12-02T16:45:16.000Z',
          contentType: 'image/jpeg',
          sizeBytes: IMAGE.length,
          sha256: createHash('sha256').update(IMAGE).digest('hex'),
        },
      },
      sessions: [
        { externalId: STREAM, kind: 'stream', attributes: { accountId: 'ZG6NWV', name: 'sample_stream' } },
      ],
    },
  ],
];

describe('mapMillicastHook', () => {
  it.each(cases)('%s', (_name, payload, expected) => {
    expect(mapMillicastHook(payload)).toMatchObject(expected);
  });

  it('puts the hook exactly as sent on the timeline', () => {
    const payload = hook('feeds', 'started', 1638463486489, {
      ...feedData,
      started: 1638463486359,
      extra: [1],
    });
    expect(mapMillicastHook(payload).event.payload).toEqual({
      type: 'feeds',
      event: 'started',
      timestamp: 1638463486489,
      data: { ...feedData, started: 1638463486359, extra: [1] },
    });
  });

  it('derives no state from an unknown event of a known type', () => {
    const plan = mapMillicastHook(hook('feeds', 'paused', 1, feedData));
    expect(plan.event).toMatchObject({ type: 'feeds.paused', known: false });
    expect(plan.sessions ?? []).toEqual([]);
    expect(plan.recordings ?? []).toEqual([]);
  });
});

describe('status ranks (so that order of arrival does not matter)', () => {
  const later: Array<[string, StatusChange, StatusChange]> = [
    ['feed ended over started', FEED_STATUS.ended, FEED_STATUS.started],
    ['recording completed over started', RECORDING_STATUS.completed, RECORDING_STATUS.started],
    ['recording failed over started', RECORDING_STATUS.error, RECORDING_STATUS.started],
    ['recording deleted over completed', RECORDING_STATUS.deleted, RECORDING_STATUS.completed],
    ['recording deleted over failed', RECORDING_STATUS.deleted, RECORDING_STATUS.error],
    ['media completed over processing', MEDIA_STATUS.completed, MEDIA_STATUS.processing],
    ['media failed over processing', MEDIA_STATUS.errored, MEDIA_STATUS.processing],
    ['media deleted over completed', MEDIA_STATUS.deleted, MEDIA_STATUS.completed],
    ['transcoder deleted over active', TRANSCODER_STATUS.deleted, TRANSCODER_STATUS.active],
    ['transcoder deleted over stopped', TRANSCODER_STATUS.deleted, TRANSCODER_STATUS.stopped],
  ];
  it.each(later)('%s: a late earlier status cannot replace it', (_name, terminal, earlier) => {
    expect(terminal.rank).toBeGreaterThan(earlier.rank);
  });

  const peers: Array<[string, StatusChange, StatusChange]> = [
    ['completed and failed recordings', RECORDING_STATUS.completed, RECORDING_STATUS.error],
    ['completed and failed media', MEDIA_STATUS.completed, MEDIA_STATUS.errored],
    ['active and stopped transcoders (they restart)', TRANSCODER_STATUS.active, TRANSCODER_STATUS.stopped],
  ];
  it.each(peers)('%s share a rank, so the newer event wins', (_name, a, b) => {
    expect(a.rank).toBe(b.rank);
  });
});

describe('idempotency keys', () => {
  const base = () => hook('feeds', 'started', 1638463486489, { ...feedData, started: 1638463486359 });
  const keyOf = (p: MillicastPayload) => mapMillicastHook(p).idempotencyKey;

  it.each<[string, MillicastPayload, boolean]>([
    ['the same hook again', base(), true],
    [
      'the same hook with other data fields',
      hook('feeds', 'started', 1638463486489, { ...feedData, active: true }),
      true,
    ],
    ['another timestamp', hook('feeds', 'started', 1638463486490, feedData), false],
    ['another event', hook('feeds', 'ended', 1638463486489, feedData), false],
    ['another feed', hook('feeds', 'started', 1638463486489, { ...feedData, feedId: 'other' }), false],
  ])('%s → same key: %s', (_name, other, same) => {
    expect(keyOf(other) === keyOf(base())).toBe(same);
  });

  it.each<[string, MillicastPayload, MillicastPayload]>([
    [
      'recording vs recordings',
      hook('recording', 'completed', 5, { recordFileId: 1 }),
      hook('recordings', 'completed', 5, { recordFileId: 1 }),
    ],
    [
      'NoActiveViewers vs noActiveViewers',
      hook('viewerConnection', 'NoActiveViewers', 5, { streamId: 'a/b' }),
      hook('viewerConnection', 'noActiveViewers', 5, { streamId: 'a/b' }),
    ],
  ])('spellings of one hook share a key: %s', (_name, a, b) => {
    expect(keyOf(a)).toBe(keyOf(b));
  });

  it('keeps keys within the column size for very long ids', () => {
    const long = hook('viewerConnection', 'viewerAttempt', 5, { streamId: `a/${'x'.repeat(600)}` });
    expect(keyOf(long).length).toBeLessThanOrEqual(512);
  });
});

describe('classifyHook', () => {
  it.each<[string, string, KnownHook | null]>([
    ['feeds', 'started', { family: 'feeds', event: 'started' }],
    ['recording', 'completed', { family: 'recordings', event: 'completed' }],
    ['recordings', 'deleted', { family: 'recordings', event: 'deleted' }],
    ['media', 'errored', { family: 'media', event: 'errored' }],
    ['transcoder', 'STOPPED', { family: 'transcoder', event: 'stopped' }],
    ['viewerConnection', 'ViewerAttempt', { family: 'viewerConnection', event: 'viewerattempt' }],
    [
      'viewerconnection',
      'firstViewerConnection',
      { family: 'viewerConnection', event: 'firstviewerconnection' },
    ],
    ['feeds', 'paused', null],
    ['media', 'error', null],
    ['clips', 'created', null],
    ['thumbnail', 'captured', null],
  ])('%s.%s → %j', (type, event, expected) => {
    expect(classifyHook(type, event)).toEqual(expected);
  });
});

describe('millicastTime', () => {
  it.each<[number, string]>([
    [1638463486489, '2021-12-02T16:44:46.489Z'],
    [1638463486, '2021-12-02T16:44:46.000Z'],
    [100_000_000_000, '1973-03-03T09:46:40.000Z'],
    [0, '1970-01-01T00:00:00.000Z'],
  ])('%d → %s', (epoch, iso) => {
    expect(millicastTime(epoch).toISOString()).toBe(iso);
  });
});

describe('splitStreamId', () => {
  it.each<[string, ReturnType<typeof splitStreamId>]>([
    ['ZG6NWV/sample_stream', { accountId: 'ZG6NWV', name: 'sample_stream' }],
    ['ZG6NWV/a/b', { accountId: 'ZG6NWV', name: 'a/b' }],
    ['no-slash', {}],
    ['/leading', {}],
    ['trailing/', {}],
  ])('%s → %j', (streamId, expected) => {
    expect(splitStreamId(streamId)).toEqual(expected);
  });
});

describe('order independence of the stream session', () => {
  it('writes identical stream attributes from every kind of hook, so the key-wise merge cannot depend on order', () => {
    const streamChanges = [
      hook('feeds', 'started', 1, { ...feedData, accountId: 'other', name: 'other' }),
      hook('media', 'completed', 2, { mediaAssetId: 'm', streamId: STREAM, streamName: 'different' }),
      hook('viewerConnection', 'noActiveViewers', 3, { streamId: STREAM, name: 'x', accountId: 'y' }),
      { family: 'thumbnail', meta: thumbnailMeta, image: IMAGE } as MillicastPayload,
    ].map((p) => (mapMillicastHook(p).sessions ?? []).find((s: SessionChange) => s.externalId === STREAM));
    for (const change of streamChanges) {
      expect(change).toEqual({
        externalId: STREAM,
        kind: 'stream',
        attributes: { accountId: 'ZG6NWV', name: 'sample_stream' },
      });
    }
  });
});
