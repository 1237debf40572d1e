import { readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { CONSOLE_PUBLIC_DIR, VENDOR_FILES } from 'src/console/console-static';
import { registeredProviders } from 'src/config/provider-registry';
import { PROVIDERS } from 'src/providers/providers';
import { splitMessages, StreamMessage } from './support/event-stream-client';
import { storeRejected } from './support/stored-deliveries';
import { startTestApp, TEST_API_KEY, TestApp } from './support/test-app';
import { send, WEBHOOK_ROUTES } from './support/webhook-routes';

const READ_KEY = 'read-only-key-0123456789abcdef';
const [wms] = WEBHOOK_ROUTES;

/**
 * Reads `GET /api/events/stream` with fetch (as the console does) until `until` holds for the messages
 * read so far, or `timeoutMs` passes; then disconnects.
 */
async function readStream(
  t: TestApp,
  query: string,
  until: (messages: StreamMessage[]) => boolean,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<StreamMessage[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const res = await fetch(`${t.baseUrl}/api/events/stream${query}`, {
    headers: { Authorization: `Bearer ${TEST_API_KEY}`, ...headers },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const messages: StreamMessage[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const split = splitMessages(buffer + decoder.decode(chunk, { stream: true }));
      buffer = split.rest;
      messages.push(...split.messages);
      if (until(messages)) break;
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return messages;
}

const events = (messages: StreamMessage[]) =>
  messages
    .filter((m) => m.event === 'event')
    .map((m) => JSON.parse(m.data ?? '') as { id: string; type: string });

describe('console API: key scopes, replay over HTTP, the live event stream, the console files', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_READ_KEYS: READ_KEY, EVENTS_STREAM_HEARTBEAT_SECONDS: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  const api = (key: string) => ({
    get: (path: string) => t.http().get(path).set('Authorization', `Bearer ${key}`),
    post: (path: string, body: object) =>
      t.http().post(path).set('Authorization', `Bearer ${key}`).send(body),
  });

  describe('scopes', () => {
    it('lets a read key query', async () => {
      const res = await api(READ_KEY).get('/api/sessions');
      expect(res.status).toBe(200);
    });

    it.each([
      ['/api/deliveries/replay', { provider: 'wms', since: '2000-01-01' }],
      ['/api/eyeson/callback-urls', { reference: 'call-1' }],
    ])('refuses %s to a read key with 403 insufficient-scope', async (path, body) => {
      const res = await api(READ_KEY).post(path, body);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'insufficient-scope', status: 403 });
    });

    it('gives API_KEYS the operate scope, as before scopes existed', async () => {
      const res = await api(TEST_API_KEY).post('/api/eyeson/callback-urls', { reference: 'call-1' });
      expect(res.status).toBe(201);
    });

    it('still refuses an unknown key with 401', async () => {
      const res = await api('not-a-key-0123456789abcdef').post('/api/deliveries/replay', {});
      expect(res.status).toBe(401);
    });
  });

  describe('POST /api/deliveries/replay', () => {
    it('replays one delivery by id: it is applied and its event is on the timeline', async () => {
      const request = wms.signEvent(wms.event('console-replay', 1));
      const id = await storeRejected(t.db, 'wms', request);
      const res = await api(TEST_API_KEY).post('/api/deliveries/replay', { deliveryId: id });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        selected: 1,
        accepted: 1,
        duplicate: 0,
        rejected: 0,
        failed: 0,
        skipped: 0,
        dryRun: false,
      });
      const { rows } = await t.db.query<{ status: string; event_id: string | null }>(
        'SELECT status, event_id FROM deliveries WHERE id = $1',
        [id],
      );
      expect(rows[0].status).not.toBe('rejected');
      expect(rows[0].event_id).not.toBeNull();
    });

    it('replays every delivery matching a filter, within since/until, and reports a dry run without writing', async () => {
      const at = new Date(Date.now() - 3_600_000);
      const inside = [
        await storeRejected(t.db, 'wms', wms.signEvent(wms.event('console-bulk', 1)), at),
        await storeRejected(t.db, 'wms', wms.signEvent(wms.event('console-bulk', 2)), at),
      ];
      const outside = await storeRejected(
        t.db,
        'wms',
        wms.signEvent(wms.event('console-bulk', 3)),
        new Date(at.getTime() - 86_400_000),
      );
      const filter = {
        provider: 'wms',
        status: ['rejected'],
        since: new Date(at.getTime() - 1000).toISOString(),
        until: new Date(at.getTime() + 1000).toISOString(),
      };
      const dry = await api(TEST_API_KEY).post('/api/deliveries/replay', { ...filter, dryRun: true });
      expect(dry.body).toMatchObject({ selected: 2, accepted: 2, dryRun: true });
      const run = await api(TEST_API_KEY).post('/api/deliveries/replay', filter);
      expect(run.body).toMatchObject({ selected: 2, accepted: 2, dryRun: false });
      const { rows } = await t.db.query<{ id: string; status: string }>(
        'SELECT id, status FROM deliveries WHERE id = ANY($1) ORDER BY id',
        [[...inside, outside]],
      );
      expect(rows.find((r) => r.id === outside)?.status).toBe('rejected');
      expect(rows.filter((r) => inside.includes(r.id)).every((r) => r.status !== 'rejected')).toBe(true);
    });

    it.each([
      [{ since: '2000-01-01' }, 'provider'],
      [{ provider: 'wms' }, 'since'],
      [{ provider: 'wms', since: '2024-05-02', until: '2024-05-01' }, 'until'],
      [{ provider: 'wms', since: '2024-05-01', limit: 1001 }, 'limit'],
      [{ provider: 'wms', since: '2024-05-01', status: ['accepted'] }, 'status'],
      [{ deliveryId: 'abc' }, 'deliveryId'],
    ])('answers 400 naming the parameter for %j', async (body, parameter) => {
      const res = await api(TEST_API_KEY).post('/api/deliveries/replay', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid-parameter' });
      expect(JSON.stringify(res.body)).toContain(parameter);
    });

    it('answers 404 for an unknown delivery and 409 for one that is not rejected or failed', async () => {
      expect(
        (await api(TEST_API_KEY).post('/api/deliveries/replay', { deliveryId: '999999999' })).status,
      ).toBe(404);
      const accepted = await send(t.baseUrl, wms.signEvent(wms.event('console-accepted', 1)));
      expect(accepted.status).toBe(200);
      const res = await api(TEST_API_KEY).post('/api/deliveries/replay', {
        deliveryId: String(accepted.body?.deliveryId),
      });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'not-replayable' });
    });
  });

  describe('GET /api/deliveries time filter', () => {
    it('lists only deliveries received in [since, until)', async () => {
      const at = new Date('2001-02-03T04:05:06Z');
      const id = await storeRejected(t.db, 'wms', wms.signEvent(wms.event('console-time', 1)), at);
      const inRange = await api(READ_KEY).get(
        '/api/deliveries?since=2001-02-03T04:05:06Z&until=2001-02-03T04:05:07Z',
      );
      expect(inRange.body.items.map((d: { id: string }) => d.id)).toEqual([id]);
      const after = await api(READ_KEY).get('/api/deliveries?since=2001-02-03T04:05:07Z&until=2001-02-04');
      expect(after.body.items).toEqual([]);
      const bad = await api(READ_KEY).get('/api/deliveries?since=yesterday');
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ parameter: 'since' });
    });
  });

  describe('GET /api/events/stream', () => {
    it('pushes events as they are stored, with their feed cursor as id, and resumes after Last-Event-ID', async () => {
      const tag = `stream-${Date.now()}`;
      const since = new Date(Date.now() - 1000).toISOString();
      for (const n of [1, 2, 3]) {
        expect((await send(t.baseUrl, wms.signEvent(wms.event(tag, n)))).status).toBe(200);
      }
      const mine = (m: StreamMessage[]) =>
        m.filter((x) => x.event === 'event' && JSON.parse(x.data ?? '').session.externalId.startsWith(tag));
      const first = await readStream(t, `?provider=wms&since=${since}`, (m) => mine(m).length >= 3);
      const firstEvents = mine(first).map((m) => JSON.parse(m.data ?? '') as { id: string });
      expect(firstEvents).toHaveLength(3);
      const secondId = mine(first)[1].id;
      expect(secondId).toEqual(expect.any(String));

      const resumed = await readStream(t, `?provider=wms&since=${since}`, (m) => events(m).length >= 1, {
        'Last-Event-ID': secondId as string,
      });
      expect(events(resumed)[0].id).toBe(firstEvents[2].id);
    });

    it('delivers an event stored while it is connected, and sends heartbeats when idle', async () => {
      const since = new Date().toISOString();
      const tag = `stream-live-${Date.now()}`;
      const messages = readStream(
        t,
        `?provider=wms&since=${since}`,
        (m) => events(m).length >= 1 && m.some((x) => x.comment === 'heartbeat'),
      );
      // Once the stream is open (its first poll happens at once), store an event.
      await new Promise((r) => setImmediate(r));
      expect((await send(t.baseUrl, wms.signEvent(wms.event(tag, 1)))).status).toBe(200);
      const got = await messages;
      expect(events(got).map((e) => e.type)).toEqual([wms.event(tag, 1).event]);
      expect(got.some((m) => m.comment === 'heartbeat')).toBe(true);
    });

    it('answers 400 for a Last-Event-ID that is not one of its ids, and 401 without a key', async () => {
      const bad = await t
        .http()
        .get('/api/events/stream')
        .set('Authorization', `Bearer ${TEST_API_KEY}`)
        .set('Last-Event-ID', 'nope');
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'invalid-parameter', parameter: 'Last-Event-ID' });
      expect((await t.http().get('/api/events/stream')).status).toBe(401);
    });
  });

  describe('GET /api/providers', () => {
    it('lists every registered provider, in registration order, to any key (the console builds its filters from it)', async () => {
      const res = await api(READ_KEY).get('/api/providers');
      expect(res.status).toBe(200);
      expect(registeredProviders().map((p) => p.name)).toEqual(PROVIDERS.map((p) => p.name));
      expect(res.body).toEqual({ items: PROVIDERS.map((p) => ({ name: p.name })) });
      expect((await t.http().get('/api/providers')).status).toBe(401);
    });
  });

  describe('/console', () => {
    it('is served with a Content-Security-Policy that allows no inline script but the import map, by hash', async () => {
      const res = await t.http().get('/console');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.text).toContain('<script type="importmap">');
    });

    it('serves every module the page loads from this service, within 300 kB gzipped in all', async () => {
      const index = await t.http().get('/console');
      const own = readdirSync(CONSOLE_PUBLIC_DIR, { recursive: true, encoding: 'utf8' })
        .filter((f) => /\.(js|css|svg)$/.test(f))
        .map((f) => `/console/${f}`);
      expect(own).toContain('/console/pages/session.js');
      const vendor = Object.entries(VENDOR_FILES).flatMap(([name, files]) =>
        files.map((f) => `/console/vendor/${name}/${f}`),
      );
      let gzipped = gzipSync(index.text).length;
      for (const path of [...own, ...vendor]) {
        const res = await t
          .http()
          .get(path)
          .buffer(true)
          .parse((r, cb) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => cb(null, Buffer.concat(chunks)));
          });
        expect([path, res.status]).toEqual([path, 200]);
        gzipped += gzipSync(res.body as Buffer).length;
      }
      expect(gzipped).toBeLessThanOrEqual(300 * 1024);
    });

    it('does not serve other files of the packages it uses', async () => {
      expect((await t.http().get('/console/vendor/preact/package.json')).status).toBe(404);
      expect((await t.http().get('/console/vendor/uplot/dist/uPlot.cjs.js')).status).toBe(404);
    });
  });
});
