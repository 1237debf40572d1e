import { ProblemException } from 'src/common/problem';
import { IngestionService } from 'src/ingestion/ingestion.service';
import type { DecodeResult, IngestPlan, RawDelivery, WebhookAdapter } from 'src/ingestion/ingestion.types';
import { Projector } from 'src/ingestion/projector';
import { waitForDelivery } from './support/projection';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The projection rules on their own: a plan goes straight to the shared ingestion and the projector (decode is
 * the identity), so every permutation of a set of plans can be folded against the real SQL and compared.
 */
class PlanAdapter implements WebhookAdapter<IngestPlan> {
  readonly provider = 'wms' as const;
  readonly keptHeaders = [] as const;
  decode(raw: RawDelivery): DecodeResult<IngestPlan> {
    const plan = JSON.parse(raw.body.toString()) as IngestPlan & { event: { occurredAt: string } };
    return {
      ok: true,
      value: { ...plan, event: { ...plan.event, occurredAt: new Date(plan.event.occurredAt) } },
    };
  }
  plan(payload: IngestPlan): IngestPlan {
    return payload;
  }
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function plan(
  key: string,
  second: number,
  recording: Record<string, unknown>,
  session?: Record<string, unknown>,
): IngestPlan {
  return {
    idempotencyKey: key,
    event: {
      type: 'TEST',
      known: true,
      occurredAt: at(second),
      payload: {},
      sessionExternalId: 'S',
      recordingExternalId: 'R',
    },
    sessions: [{ externalId: 'S', ...session }],
    recordings: [{ externalId: 'R', sessionExternalId: 'S', ...recording }],
  };
}

describe('order-independent projections', () => {
  let t: TestApp;
  let ingestion: IngestionService;
  beforeAll(async () => {
    t = await startTestApp();
    ingestion = t.app.get(IngestionService);
    t.app.get(Projector).register(new PlanAdapter());
  });
  afterAll(async () => {
    await t.close();
  });

  it('folds every permutation of the same events into the same row, field by field', async () => {
    const plans = [
      plan('e0', 0, { attributes: { a: 0 } }, { kind: 'call' }),
      plan('e1', 1, { url: 'u1', kind: 'video', status: { value: 'processing', rank: 1 } }),
      plan(
        'e2',
        2,
        { url: 'u2', attributes: { a: 2 }, status: { value: 'failed', rank: 2 } },
        { attributes: { who: 'x' } },
      ),
      plan('e3', 3, {
        sizeBytes: 30,
        attributes: { b: 3 },
        status: { value: 'ready', rank: 2 },
        endedAt: at(3),
      }),
    ];
    const adapter = new PlanAdapter();
    const results = new Set<string>();
    let run = 0;
    for (const order of permutations(plans)) {
      run++;
      const tagged = order.map((p) => ({ ...p, idempotencyKey: `${run}:${p.idempotencyKey}` }));
      // A namespace per run: the same external ids, prefixed, so runs do not share rows.
      for (const p of tagged) {
        const scoped = {
          ...p,
          event: { ...p.event, sessionExternalId: `${run}:S`, recordingExternalId: `${run}:R` },
          sessions: p.sessions?.map((s) => ({ ...s, externalId: `${run}:S` })),
          recordings: p.recordings?.map((r) => ({
            ...r,
            externalId: `${run}:R`,
            sessionExternalId: `${run}:S`,
          })),
        };
        const raw: RawDelivery = {
          provider: 'wms',
          receivedAt: new Date(),
          requestId: `run-${run}`,
          contentType: 'application/json',
          headers: {},
          context: {},
          body: Buffer.from(JSON.stringify(scoped)),
        };
        const outcome = await ingestion.ingest(adapter, raw);
        expect(outcome.outcome).toBe('accepted');
        expect((await waitForDelivery(t.baseUrl, outcome.deliveryId)).status).toBe('projected');
      }
      const { rows } = await t.db.query(
        `SELECT r.status, r.kind, r.url, r.size_bytes, r.attributes, r.ended_at, s.kind AS session_kind, s.attributes AS session_attributes
         FROM recordings r JOIN sessions s ON s.id = r.session_id WHERE r.provider = 'wms' AND r.external_id = $1`,
        [`${run}:R`],
      );
      results.add(JSON.stringify(rows[0]));
    }
    expect(run).toBe(24);
    expect([...results]).toEqual([
      JSON.stringify({
        status: 'ready',
        kind: 'video',
        url: 'u2',
        size_bytes: '30',
        attributes: { a: 2, b: 3 },
        ended_at: at(3).toISOString(),
        session_kind: 'call',
        session_attributes: { who: 'x' },
      }),
    ]);
  });

  it('stores a delivery whose mapping fails as failed, for replay, and answers 500 processing-failed', async () => {
    class BrokenAdapter extends PlanAdapter {
      override plan(): IngestPlan {
        throw new Error('mapper bug');
      }
    }
    const raw: RawDelivery = {
      provider: 'wms',
      receivedAt: new Date(),
      requestId: 'broken-mapper',
      contentType: 'application/json',
      headers: {},
      context: {},
      body: Buffer.from(JSON.stringify(plan('broken', 0, {}))),
    };
    const error = await ingestion.ingest(new BrokenAdapter(), raw).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ statusCode: 500, code: 'processing-failed' });
    const { rows } = await t.db.query(
      `SELECT status, error->>'detail' AS detail FROM deliveries WHERE request_id = 'broken-mapper'`,
    );
    expect(rows).toEqual([{ status: 'failed', detail: 'mapper bug' }]);
  });
});
