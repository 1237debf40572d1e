import { runDemo } from '../scripts/simulator/demo-day';
import { send } from '../scripts/simulator/http-client';
import { PROVIDERS } from 'src/providers/providers';
import { wmsMeasurementId } from 'src/providers/wms/wms.simulator';
import type { ProviderSimulator } from 'src/simulator/simulator.types';
import { loadSimulators } from '../scripts/simulator/simulators';
import { waitForBacklog, waitForProjection } from './support/projection';
import { parsePrometheus, sampleValue } from './support/prometheus';
import { startTestApp, TEST_API_KEY, TEST_ENV, TestApp } from './support/test-app';

let simulators: ProviderSimulator[];
beforeAll(async () => {
  simulators = await loadSimulators();
});
const count = async (t: TestApp, sql: string, provider: string): Promise<number> =>
  (await t.db.query<{ n: number }>(sql, [provider])).rows[0].n;

describe('sender simulator', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('has a simulator for every registered provider', () => {
    expect(simulators.map((s) => s.provider)).toEqual(PROVIDERS.map((p) => p.name));
  });

  it.each(PROVIDERS.map((p) => [p.name]))(
    '%s: builds and signs every documented event so that the service accepts it',
    async (provider) => {
      const simulator = simulators.find((s) => s.provider === provider);
      if (simulator === undefined) throw new Error(`no simulator for ${provider}`);
      for (const event of simulator.events) {
        const req = await simulator.build(event, {
          secret: TEST_ENV[simulator.secretVariable],
          session: `sim-${provider}-${event.replace(/[^A-Za-z0-9]/g, '-')}`,
          at: Date.now() - 60_000,
          env: TEST_ENV,
        });
        const res = await send(t.baseUrl, req);
        expect({ event, status: res.status, body: res.json }).toMatchObject({
          event,
          status: 200,
          body: { status: 'accepted' },
        });
        // A documented event: the service recognises it (an unknown one would be kept with known = false).
        const { eventId } = await waitForProjection(t.baseUrl, { status: res.status, body: res.json });
        const { rows } = await t.db.query<{ known: boolean }>(`SELECT known FROM events WHERE id = $1`, [
          eventId,
        ]);
        expect({ event, rows }).toEqual({ event, rows: [{ known: true }] });
      }
      expect(simulator.events.length).toBeGreaterThan(0);
    },
  );

  it('refuses (401) what is signed with another secret: the signature is real', async () => {
    for (const simulator of simulators) {
      const event = simulator.events[0];
      const req = await simulator.build(event, {
        secret: Buffer.from('another-secret-entirely-0123').toString('base64'),
        session: `wrong-secret-${simulator.provider}`,
        at: Date.now(),
        env: TEST_ENV,
      });
      const res = await send(t.baseUrl, req);
      expect({ provider: simulator.provider, status: res.status }).toEqual({
        provider: simulator.provider,
        status: 401,
      });
    }
  });
});

describe('npm run demo (its core, runDemo)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('replays a day from every provider that the query tables and /metrics then show', async () => {
    const progress: number[] = [];
    const result = await runDemo({
      baseUrl: t.baseUrl,
      apiKey: TEST_API_KEY,
      env: TEST_ENV,
      runId: 'e2e',
      onProgress: ({ done }) => progress.push(done),
    });
    expect(result.failures).toEqual([]);
    expect(progress).toEqual(Array.from({ length: result.total }, (_, i) => i + 1));
    expect([...result.providers].sort()).toEqual(simulators.map((s) => s.provider).sort());
    await waitForBacklog(t.baseUrl);

    const m = parsePrometheus(
      (await t.http().get('/metrics').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200)).text,
    );
    for (const provider of result.providers) {
      expect({ provider, outcomes: result.outcomes[provider] }).toEqual({
        provider,
        outcomes: { accepted: expect.any(Number) },
      });
      expect(
        await count(t, `SELECT count(*)::int AS n FROM sessions WHERE provider = $1`, provider),
      ).toBeGreaterThan(0);
      expect(await count(t, `SELECT count(*)::int AS n FROM events WHERE provider = $1`, provider)).toBe(
        result.outcomes[provider].accepted,
      );
      expect(sampleValue(m, 'hooktrail_webhook_deliveries_total', { provider, outcome: 'accepted' })).toBe(
        result.outcomes[provider].accepted,
      );
    }
    const recordings = (provider: string) =>
      count(t, `SELECT count(*)::int AS n FROM recordings WHERE provider = $1`, provider);
    if (result.providers.includes('perculus')) expect(await recordings('perculus')).toBeGreaterThan(0);
    if (result.providers.includes('millicast')) expect(await recordings('millicast')).toBeGreaterThan(0);
    if (result.providers.includes('eyeson')) expect(await recordings('eyeson')).toBeGreaterThan(0);
    if (result.providers.includes('wms')) {
      const { rows } = await t.db.query(
        `SELECT m.status, count(x.*)::int AS samples FROM measurements m LEFT JOIN measurement_samples x ON x.measurement_id = m.id
         WHERE m.provider = 'wms' AND m.external_id = $1 GROUP BY m.status`,
        [wmsMeasurementId(result.ids.sessions.wms)],
      );
      expect(rows).toEqual([{ status: expect.any(String), samples: 3 }]);
    }
  });

  it('can be run again against the same service: a new run makes new sessions, not duplicates', async () => {
    const before = await count(t, `SELECT count(*)::int AS n FROM sessions WHERE provider <> $1`, '-');
    const result = await runDemo({ baseUrl: t.baseUrl, apiKey: TEST_API_KEY, env: TEST_ENV, runId: 'again' });
    expect(result.failures).toEqual([]);
    expect(Object.values(result.outcomes).every((o) => Object.keys(o).join() === 'accepted')).toBe(true);
    await waitForBacklog(t.baseUrl);
    expect(
      await count(t, `SELECT count(*)::int AS n FROM sessions WHERE provider <> $1`, '-'),
    ).toBeGreaterThan(before);
  });

  it('without a run name uses fixed ids, which the README names, and runs again on the same sessions', async () => {
    const first = await runDemo({ baseUrl: t.baseUrl, apiKey: TEST_API_KEY, env: TEST_ENV });
    expect(first.failures).toEqual([]);
    const sessions = await count(t, `SELECT count(*)::int AS n FROM sessions WHERE provider <> $1`, '-');

    const again = await runDemo({ baseUrl: t.baseUrl, apiKey: TEST_API_KEY, env: TEST_ENV });
    expect(again.failures).toEqual([]);
    expect(again.ids).toEqual(first.ids);
    expect(await count(t, `SELECT count(*)::int AS n FROM sessions WHERE provider <> $1`, '-')).toBe(
      sessions,
    );
  });
});
