import { batchInput, checkPlanLinks, ProjectionItem } from 'src/ingestion/projection-batch';
import type { IngestPlan, RawDelivery } from 'src/ingestion/ingestion.types';
import type { ProviderName } from 'src/config/provider-registry';

const AT = new Date('2026-05-01T10:00:00.000Z');

function item(
  plan: Partial<IngestPlan> & { idempotencyKey: string },
  provider: ProviderName = 'wms',
): ProjectionItem {
  const raw: RawDelivery = {
    provider,
    receivedAt: new Date('2026-05-01T10:00:01.000Z'),
    requestId: `req-${plan.idempotencyKey}`,
    contentType: 'application/json',
    headers: { 'content-type': 'application/json' },
    context: {},
    body: Buffer.from('{"x":1}'),
  };
  return {
    deliveryId: `d-${plan.idempotencyKey}`,
    raw,
    plan: { event: { type: 'T', known: true, occurredAt: AT, payload: { x: 1 } }, ...plan },
  };
}

type Rows = Array<Record<string, unknown>>;
const keys = (rows: Rows) =>
  rows.map((r) => String(r.external_id ?? r.idempotency_key ?? r.measurement_external_id)).join(',');

/**
 * Each statement the projection function runs, in order, as `table: external ids (or keys)`, the events with
 * `| inbox: ids` of the inbox rows they mark, for compact expectations.
 */
const outline = (items: ProjectionItem[]) => {
  const input = batchInput(items);
  const rounds = (table: string, all: Rows[]) => all.map((rows) => `${table}: ${keys(rows)}`);
  return [
    ...rounds('sessions', input.sessions),
    ...rounds('recordings', input.recordings),
    ...rounds('measurements', input.measurements),
    ...(input.samples.length > 0 ? [`samples: ${keys(input.samples)}`] : []),
    `events: ${keys(input.events)} | inbox: ${input.events.map((e) => String(e.delivery_id)).join(',')}`,
  ];
};

describe('batchInput', () => {
  it.each<[string, ProjectionItem[], string[]]>([
    [
      'one delivery: its session, measurement, sample, event and inbox row, in dependency order',
      [
        item({
          idempotencyKey: 'k1',
          event: {
            type: 'T',
            known: true,
            occurredAt: AT,
            payload: {},
            sessionExternalId: 's1',
            measurementExternalId: 'm1',
          },
          sessions: [{ externalId: 's1' }],
          measurements: [{ externalId: 'm1', sessionExternalId: 's1' }],
          samples: [{ measurementExternalId: 'm1', series: 'snr', sequence: 1, value: 2 }],
        }),
      ],
      ['sessions: s1', 'measurements: m1', 'samples: m1', 'events: k1 | inbox: d-k1'],
    ],
    [
      'a row written by two deliveries goes to a second round; other rows share the first',
      [
        item({ idempotencyKey: 'k1', sessions: [{ externalId: 'a' }] }),
        item({ idempotencyKey: 'k2', sessions: [{ externalId: 'a' }] }),
        item({ idempotencyKey: 'k3', sessions: [{ externalId: 'b' }] }),
      ],
      ['sessions: a,b', 'sessions: a', 'events: k1,k2,k3 | inbox: d-k1,d-k2,d-k3'],
    ],
    [
      'the same external id of two providers is two rows: one execution',
      [
        item({ idempotencyKey: 'k1', sessions: [{ externalId: 'a' }] }, 'wms'),
        item({ idempotencyKey: 'k1', sessions: [{ externalId: 'a' }] }, 'millicast'),
      ],
      ['sessions: a,a', 'events: k1,k1 | inbox: d-k1,d-k1'],
    ],
    [
      'parents are written before every other session, so children can look them up',
      [item({ idempotencyKey: 'k1', sessions: [{ externalId: 'feed', parentExternalId: 'stream' }] })],
      ['sessions: stream', 'sessions: feed', 'events: k1 | inbox: d-k1'],
    ],
    [
      'sessions a plan only refers to are touched once; those it changes are not touched again',
      [
        item({
          idempotencyKey: 'k1',
          event: { type: 'T', known: true, occurredAt: AT, payload: {}, sessionExternalId: 'call' },
          sessions: [{ externalId: 'call' }],
          recordings: [
            { externalId: 'r1', sessionExternalId: 'call' },
            { externalId: 'r2', sessionExternalId: 'other' },
          ],
        }),
      ],
      ['sessions: call,other', 'recordings: r1,r2', 'events: k1 | inbox: d-k1'],
    ],
  ])('%s', (_name, items, expected) => {
    expect(outline(items)).toEqual(expected);
  });

  it('numbers the rows of every statement from 0 in batch order', () => {
    const input = batchInput([
      item({ idempotencyKey: 'k1', sessions: [{ externalId: 'a' }] }),
      item({ idempotencyKey: 'k2', sessions: [{ externalId: 'a' }, { externalId: 'b' }] }),
    ]);
    expect(input.sessions.map((rows) => rows.map((r) => r.o))).toEqual([[0, 1], [0]]);
    expect(input.events.map((r) => r.o)).toEqual([0, 1]);
  });

  it('starts a new row field versions only for the fields the change gives, at the event version', () => {
    const [sessions] = batchInput([
      item({
        idempotencyKey: 'k1',
        sessions: [{ externalId: 'feed', kind: 'feed', attributes: { codec: 'vp8' } }],
      }),
    ]).sessions;
    const row = sessions[0];
    const version = String(row.version);
    expect(version).toMatch(/\|k1$/);
    expect(row.field_versions).toEqual({ kind: version, 'a.codec': version });
    expect(row).toMatchObject({ kind: 'feed', parent_external_id: null, status: null, status_rank: 0 });
  });

  it('names the own fields of a change by their column (snake_case), so a new column needs no code here', () => {
    const [recordings] = batchInput([
      item({
        idempotencyKey: 'k1',
        recordings: [{ externalId: 'r1', sessionExternalId: 's1', durationMs: 5, urlExpiresAt: AT }],
      }),
    ]).recordings;
    const version = String(recordings[0].version);
    expect(recordings[0]).toMatchObject({ duration_ms: 5, url_expires_at: AT, session_external_id: 's1' });
    expect(recordings[0].field_versions).toEqual({
      duration_ms: version,
      url_expires_at: version,
      session_id: version,
    });
  });
});

describe('checkPlanLinks', () => {
  const base = item({ idempotencyKey: 'k' }).plan;
  it.each<[string, Partial<IngestPlan>, string | null]>([
    ['a plan without links', {}, null],
    [
      'an event naming a recording the plan does not write',
      { event: { ...base.event, recordingExternalId: 'r9' } },
      'event links recording r9 that is not in the plan',
    ],
    [
      'an event naming a measurement the plan does not write',
      { event: { ...base.event, measurementExternalId: 'm9' } },
      'event links measurement m9 that is not in the plan',
    ],
    [
      'a sample of a measurement the plan does not write',
      { samples: [{ measurementExternalId: 'm9', series: 's', sequence: 1, value: 1 }] },
      'sample for measurement m9 not in plan.measurements',
    ],
    [
      'links that stay in the plan',
      {
        event: { ...base.event, recordingExternalId: 'r1', measurementExternalId: 'm1' },
        recordings: [{ externalId: 'r1' }],
        measurements: [{ externalId: 'm1' }],
        samples: [{ measurementExternalId: 'm1', series: 's', sequence: 1, value: 1 }],
      },
      null,
    ],
  ])('%s', (_name, change, error) => {
    const check = () => checkPlanLinks({ ...base, ...change });
    if (error === null) expect(check).not.toThrow();
    else expect(check).toThrow(error);
  });
});
