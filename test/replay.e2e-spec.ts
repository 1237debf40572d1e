import { Database } from 'src/database/database';
import { IngestionService } from 'src/ingestion/ingestion.service';
import { Projector } from 'src/ingestion/projector';
import { INSERT_DELIVERY } from 'src/ingestion/projection.sql';
import { REFERENCE_CONTEXT_KEY } from 'src/providers/eyeson/eyeson.service';
import type { ProviderName } from 'src/config/provider-registry';
import { webhookAdapter } from 'src/ingestion/webhook-adapters';
import { replayDeliveries, ReplayOptions, ReplaySummary } from 'src/replay/replay';
import { captureOutput, exited, spawnTs } from './support/spawn-ts';
import { perculusToken } from './support/perculus-sender';
import { stateSnapshot } from './support/state';
import { waitForProjection } from './support/projection';
import { startTestApp, TEST_ENV, TestApp } from './support/test-app';
import { send, WebhookRequest, WEBHOOK_ROUTES } from './support/webhook-routes';

const LONG_AGO = new Date('2000-01-01T00:00:00Z');

function deps(t: TestApp, provider: ProviderName) {
  return {
    db: t.app.get(Database),
    ingestion: t.app.get(IngestionService),
    projector: t.app.get(Projector),
    adapter: webhookAdapter(t.app, provider),
  };
}

function replay(
  t: TestApp,
  options: Partial<ReplayOptions> & { provider: ProviderName },
): Promise<ReplaySummary> {
  return replayDeliveries(deps(t, options.provider), {
    statuses: ['rejected', 'failed'],
    since: LONG_AGO,
    dryRun: false,
    ...options,
  });
}

/**
 * Stores a delivery as an older version of the service would have after wrongly refusing it: the exact
 * request, kept as `rejected` with that version's reason, nothing applied.
 */
async function storeRejected(
  t: TestApp,
  provider: ProviderName,
  request: WebhookRequest,
  receivedAt = new Date(),
): Promise<string> {
  const context = provider === 'eyeson' ? { [REFERENCE_CONTEXT_KEY]: 'fault-suite-call' } : {};
  const { rows } = await t.db.query<{ id: string }>(INSERT_DELIVERY, [
    provider,
    receivedAt,
    `old-version-${Math.random().toString(36).slice(2)}`,
    'application/json',
    JSON.stringify({ 'content-type': 'application/json' }),
    JSON.stringify(context),
    request.body,
    request.body.length,
    'rejected',
    JSON.stringify({ status: 422, code: 'validation-failed', detail: 'refused by an older version' }),
    null,
  ]);
  return rows[0].id;
}

async function delivery(t: TestApp, id: string) {
  const { rows } = await t.db.query<{
    status: string;
    event_id: string | null;
    attempts: number;
    error: unknown;
  }>(`SELECT status, event_id, attempts, error FROM deliveries WHERE id = $1`, [id]);
  return rows[0];
}

async function eventCount(t: TestApp): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`);
  return rows[0].n;
}

describe('replaying stored deliveries', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(WEBHOOK_ROUTES.map((r) => [r.provider, r] as const))(
    'applies %s deliveries an older version wrongly rejected, once, and a second run changes nothing',
    async (provider, route) => {
      const ids = [
        await storeRejected(t, provider, route.signEvent(route.event('replay-fix', 1))),
        await storeRejected(t, provider, route.signEvent(route.event('replay-fix', 2))),
      ];
      const before = await stateSnapshot(t.db, provider);

      const first = await replay(t, { provider });
      expect(first).toEqual({ selected: 2, accepted: 2, duplicate: 0, rejected: 0, failed: 0, skipped: 0 });
      for (const id of ids)
        expect(await delivery(t, id)).toMatchObject({ status: 'projected', attempts: 2, error: null });
      const after = await stateSnapshot(t.db, provider);
      expect(after.events.length).toBe(before.events.length + 2);
      expect(after).not.toEqual(before);

      const events = await eventCount(t);
      expect(await replay(t, { provider })).toMatchObject({ selected: 0, accepted: 0 });
      expect(await eventCount(t)).toBe(events);
      expect(await stateSnapshot(t.db, provider)).toEqual(after);
    },
  );

  it('links a rejected delivery whose event arrived meanwhile to that event (duplicate), without a second event', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const request = wms.signEvent(wms.event('replay-dup', 1));
    const rejectedId = await storeRejected(t, 'wms', request);
    const live = await send(t.baseUrl, request); // the provider re-sent it; the current code accepts it
    expect(live.body).toMatchObject({ status: 'accepted' });
    const { eventId } = await waitForProjection(t.baseUrl, live);
    const events = await eventCount(t);

    expect(await replay(t, { provider: 'wms' })).toMatchObject({ selected: 1, duplicate: 1, accepted: 0 });
    expect(await delivery(t, rejectedId)).toMatchObject({ status: 'projected', event_id: eventId });
    expect(await eventCount(t)).toBe(events);
  });

  it('keeps a delivery the current code still refuses, with its new reason and one more attempt', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const res = await send(t.baseUrl, wms.sign('{"sessionId":"s","sequence":"not a number"}'));
    expect(res.status).toBe(422);
    const id = String(res.body?.deliveryId);
    const state = await stateSnapshot(t.db, 'wms');

    expect(await replay(t, { provider: 'wms' })).toMatchObject({ selected: 1, rejected: 1, accepted: 0 });
    expect(await delivery(t, id)).toMatchObject({
      status: 'rejected',
      attempts: 2,
      error: expect.objectContaining({ code: 'validation-failed' }),
    });
    expect(await stateSnapshot(t.db, 'wms')).toEqual(state);
    await t.db.query(`DELETE FROM deliveries WHERE id = $1`, [id]); // keep the other tests' selections exact
  });

  it('keeps a delivery whose processing failed as failed, and applies it once the code is fixed', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const id = await storeRejected(t, 'wms', wms.signEvent(wms.event('replay-failed', 1)));
    const real = webhookAdapter(t.app, 'wms');
    const buggy = {
      ...real,
      provider: real.provider,
      keptHeaders: real.keptHeaders,
      decode: real.decode.bind(real),
      plan: () => {
        throw new Error('mapper bug');
      },
    };
    const broken = await replayDeliveries(
      { ...deps(t, 'wms'), adapter: buggy },
      {
        provider: 'wms',
        statuses: ['rejected'],
        since: LONG_AGO,
        dryRun: false,
      },
    );
    expect(broken).toMatchObject({ selected: 1, failed: 1 });
    expect(await delivery(t, id)).toMatchObject({
      status: 'failed',
      error: { code: 'processing-failed', detail: 'mapper bug' },
    });

    expect(await replay(t, { provider: 'wms', statuses: ['failed'] })).toMatchObject({
      selected: 1,
      accepted: 1,
    });
    expect(await delivery(t, id)).toMatchObject({ status: 'projected', attempts: 3, error: null });
  });

  it('applies a Perculus message refused because its token was reused (the operator vouches for it)', async () => {
    const perculus = WEBHOOK_ROUTES.find((r) => r.provider === 'perculus')!;
    const token = perculusToken(TEST_ENV.PERCULUS_WEBHOOK_SECRETS);
    const first = await send(t.baseUrl, perculus.signEvent({ ...perculus.event('reused', 1), token }));
    expect(first.status).toBe(200);
    const second = await send(t.baseUrl, perculus.signEvent({ ...perculus.event('reused', 2), token }));
    expect(second.body).toMatchObject({ status: 401, code: 'token-replayed', stored: true });

    expect(await replay(t, { provider: 'perculus', statuses: ['rejected'] })).toMatchObject({
      selected: 1,
      accepted: 1,
    });
    expect(await delivery(t, String(second.body?.deliveryId))).toMatchObject({ status: 'projected' });
  });

  it('selects by provider, status, time window and limit, oldest first', async () => {
    const [wms, millicast] = WEBHOOK_ROUTES;
    const at = (iso: string) => new Date(iso);
    const ids = {
      before: await storeRejected(
        t,
        'wms',
        wms.signEvent(wms.event('window', 1)),
        at('2024-04-30T23:59:59Z'),
      ),
      first: await storeRejected(t, 'wms', wms.signEvent(wms.event('window', 2)), at('2024-05-01T00:00:00Z')),
      second: await storeRejected(
        t,
        'wms',
        wms.signEvent(wms.event('window', 3)),
        at('2024-05-01T10:00:00Z'),
      ),
      third: await storeRejected(t, 'wms', wms.signEvent(wms.event('window', 4)), at('2024-05-01T11:00:00Z')),
      until: await storeRejected(t, 'wms', wms.signEvent(wms.event('window', 5)), at('2024-05-02T00:00:00Z')),
      other: await storeRejected(
        t,
        'millicast',
        millicast.signEvent(millicast.event('window', 1)),
        at('2024-05-01T01:00:00Z'),
      ),
    };
    const window = {
      provider: 'wms' as const,
      since: at('2024-05-01T00:00:00Z'),
      until: at('2024-05-02T00:00:00Z'),
    };

    expect(await replay(t, { ...window, statuses: ['failed'] })).toMatchObject({ selected: 0 });
    expect(await replay(t, { ...window, limit: 2 })).toMatchObject({ selected: 2, accepted: 2 });
    const status = async (id: string) => (await delivery(t, id)).status;
    expect(await Promise.all(Object.values(ids).map(status))).toEqual([
      'rejected',
      'projected',
      'projected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(await replay(t, window)).toMatchObject({ selected: 1, accepted: 1 });
    expect(await status(ids.third)).toBe('projected');
    expect(await status(ids.until)).toBe('rejected');
    expect(await replay(t, { provider: 'wms' })).toMatchObject({ selected: 2, accepted: 2 });
    expect(await replay(t, { provider: 'millicast' })).toMatchObject({ selected: 1, accepted: 1 });
  });

  it('writes nothing in a dry run, and skips a delivery whose body retention purged', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const willApply = await storeRejected(t, 'wms', wms.signEvent(wms.event('dry', 1)));
    const purged = await storeRejected(t, 'wms', wms.signEvent(wms.event('dry', 2)));
    await t.db.query(`UPDATE deliveries SET body = NULL, body_purged_at = now() WHERE id = $1`, [purged]);
    const events = await eventCount(t);

    const progress: number[] = [];
    const dry = await replayDeliveries(
      deps(t, 'wms'),
      { provider: 'wms', statuses: ['rejected'], since: LONG_AGO, dryRun: true },
      (done) => progress.push(done),
    );
    expect(dry).toEqual({ selected: 2, accepted: 1, duplicate: 0, rejected: 0, failed: 0, skipped: 1 });
    expect(progress).toEqual([0, 1, 2]);
    expect(await eventCount(t)).toBe(events);
    expect(await delivery(t, willApply)).toMatchObject({ status: 'rejected', attempts: 1 });

    expect(await replay(t, { provider: 'wms' })).toMatchObject({ selected: 2, accepted: 1, skipped: 1 });
    expect(await delivery(t, purged)).toMatchObject({ status: 'rejected', attempts: 1 });
    await t.db.query(`DELETE FROM deliveries WHERE id = $1`, [purged]);
  });

  it('runs as a command: progress on stderr, summary on stdout, usage errors exit 64', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const id = await storeRejected(t, 'wms', wms.signEvent(wms.event('cli', 1)));
    const env = { ...TEST_ENV, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn' };

    const cli = spawnTs(
      'scripts/replay.ts',
      ['--provider', 'wms', '--status', 'rejected', '--since', '2000-01-01'],
      env,
    );
    const output = captureOutput(cli);
    let stdout = '';
    cli.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    expect(await exited(cli)).toBe(0);
    expect(stdout).toContain('1 deliveries replayed');
    expect(stdout).toMatch(/accepted +1/);
    expect(output()).toContain('[########################] 100% 1/1');
    expect(await delivery(t, id)).toMatchObject({ status: 'projected' });

    const usage = spawnTs('scripts/replay.ts', ['--provider', 'nope', '--since', '2000-01-01'], env);
    const usageOutput = captureOutput(usage);
    expect(await exited(usage)).toBe(64);
    expect(usageOutput()).toContain('--provider must be one of');
  }, 60_000);
});
