import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { Pool } from 'pg';
import { PROBLEM_CONTENT_TYPE } from 'src/common/problem';
import { waitForProjection } from './support/projection';
import { startTestApp, TestApp } from './support/test-app';
import { send, setPath, WebhookRequest, WebhookRoute, WEBHOOK_ROUTES } from './support/webhook-routes';

/** The body limit every test app runs with (the default). */
const LIMIT = 1024 * 1024;

interface Expected {
  status: number;
  code: string;
  /** True: the delivery passed its credential check, so it is kept in the inbox as rejected. */
  stored: boolean;
}

interface BadInput {
  name: string;
  request: (route: WebhookRoute) => WebhookRequest;
  expected: (route: WebhookRoute) => Expected;
}

/** What a body with no readable credential gets: stored when the credential is outside the body. */
const unreadable =
  (status: number, code: string) =>
  (route: WebhookRoute): Expected =>
    route.credential === 'body'
      ? { status: 401, code: 'signature-missing', stored: false }
      : { status, code, stored: true };

const stored = (status: number, code: string) => (): Expected => ({ status, code, stored: true });

/** JSON text with `"@@RAW@@"` replaced by raw JSON (numbers JSON.stringify cannot write, e.g. 1e400). */
function withRaw(route: WebhookRoute, field: string, raw: string): WebhookRequest {
  const event = setPath(route.event('bad', 1), field, '@@RAW@@');
  const signed = route.signEvent(event);
  return route.sign(signed.body.toString('utf8').replace('"@@RAW@@"', raw));
}

const withValue = (route: WebhookRoute, field: string, value: unknown): WebhookRequest =>
  route.signEvent(setPath(route.event('bad', 1), field, value));

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { down: value };
  return value;
}

const BAD_INPUTS: BadInput[] = [
  { name: 'an empty body', request: (r) => r.sign(''), expected: unreadable(400, 'empty-body') },
  {
    name: 'a body that is not JSON',
    request: (r) => r.sign('hello, world'),
    expected: unreadable(400, 'malformed-body'),
  },
  {
    name: 'truncated JSON',
    request: (r) => {
      const body = r.signEvent(r.event('bad', 1)).body;
      return r.sign(body.subarray(0, Math.floor(body.length / 2)));
    },
    expected: unreadable(400, 'malformed-body'),
  },
  {
    name: 'a JSON array instead of an object',
    request: (r) => r.sign('[1,2,3]'),
    expected: unreadable(422, 'validation-failed'),
  },
  {
    name: 'a JSON string instead of an object',
    request: (r) => r.sign('"just a string"'),
    expected: unreadable(422, 'validation-failed'),
  },
  {
    name: 'JSON nested 64 levels deep',
    request: (r) => r.signEvent({ ...r.event('bad', 1), deep: nested(64) }),
    // A body credential is not looked for in a body nested beyond the bound: it is not parsed at all.
    expected: unreadable(422, 'unprocessable-data'),
  },
  {
    name: 'JSON nested 100 000 levels deep',
    request: (r) => {
      const event = JSON.stringify(r.signEvent(r.event('bad', 1)).body.toString('utf8'));
      const parsed = JSON.parse(JSON.parse(event) as string) as Record<string, unknown>;
      const text = JSON.stringify({ ...parsed, deep: '@@DEEP@@' });
      return r.sign(text.replace('"@@DEEP@@"', '['.repeat(100_000) + ']'.repeat(100_000)));
    },
    expected: unreadable(422, 'unprocessable-data'),
  },
  {
    name: 'a body over the size limit',
    request: (r) => r.signEvent({ ...r.event('bad', 1), pad: 'x'.repeat(LIMIT) }),
    expected: () => ({ status: 413, code: 'payload-too-large', stored: false }),
  },
  {
    name: 'a text/plain content type',
    request: (r) => r.sign(r.signEvent(r.event('bad', 1)).body, 'text/plain'),
    expected: stored(415, 'unsupported-media-type'),
  },
  {
    name: 'an application/xml content type',
    request: (r) => r.sign(r.signEvent(r.event('bad', 1)).body, 'application/xml'),
    expected: stored(415, 'unsupported-media-type'),
  },
  {
    name: 'a NUL character in a string',
    request: (r) => withValue(r, r.fields.string, 'before\u0000after'),
    expected: stored(422, 'unprocessable-data'),
  },
  {
    name: 'a NUL character in a key',
    request: (r) => r.signEvent({ ...r.event('bad', 1), 'k\u0000y': 1 }),
    expected: stored(422, 'unprocessable-data'),
  },
  {
    name: 'an unpaired UTF-16 surrogate in a string',
    request: (r) => withRaw(r, 'note', '"\\ud800 alone"'),
    expected: stored(422, 'unprocessable-data'),
  },
  {
    name: 'a number too large for a double (1e400)',
    request: (r) => withRaw(r, r.fields.number, '1e400'),
    expected: stored(422, 'unprocessable-data'),
  },
  {
    name: 'a number past 2^64',
    request: (r) => withRaw(r, r.fields.number, '18446744073709551617'),
    expected: stored(422, 'unprocessable-data'),
  },
  {
    name: 'a number with more digits than a double keeps, in a field nothing validates',
    request: (r) => withRaw(r, 'note', '12345678901234567890.5'),
    expected: stored(422, 'unprocessable-data'),
  },
  {
    name: 'a negative number where a count or time is expected',
    request: (r) => withValue(r, r.fields.number, -5),
    expected: stored(422, 'validation-failed'),
  },
  {
    name: 'a fraction where a whole number is expected',
    request: (r) => withValue(r, r.fields.number, 12.5),
    expected: (r) =>
      // Millicast times are epoch numbers and may carry a fraction; the others ask for whole numbers.
      r.provider === 'millicast'
        ? { status: 200, code: 'accepted', stored: true }
        : { status: 422, code: 'validation-failed', stored: true },
  },
  {
    name: 'a date that does not parse',
    request: (r) => withValue(r, r.fields.date, 'yesterday at noon'),
    expected: stored(422, 'validation-failed'),
  },
  {
    name: 'a date on a day that does not exist',
    request: (r) => withValue(r, r.fields.date, '2024-02-30T25:61:00Z'),
    expected: stored(422, 'validation-failed'),
  },
  {
    name: 'a date as an empty string',
    request: (r) => withValue(r, r.fields.date, ''),
    expected: stored(422, 'validation-failed'),
  },
];

/** A fingerprint of every state table: equal before and after means nothing reached the state. */
async function stateFingerprint(db: Pool): Promise<Record<string, string>> {
  const tables = ['sessions', 'recordings', 'measurements', 'measurement_samples', 'events'];
  const out: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await db.query<{ md5: string }>(
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS md5 FROM ${table} t`,
    );
    out[table] = rows[0].md5;
  }
  return out;
}

async function deliveryCount(db: Pool): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries`);
  return rows[0].n;
}

describe.each(WEBHOOK_ROUTES.map((route) => [route.provider, route] as const))(
  'bad input to the %s webhook route',
  (_provider, route) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    async function expectRefused(request: WebhookRequest, expected: Expected): Promise<void> {
      const stateBefore = await stateFingerprint(t.db);
      const deliveriesBefore = await deliveryCount(t.db);
      const res = await send(t.baseUrl, request);
      const seen = { status: res.status, code: res.body?.code ?? res.body?.status, stored: res.body?.stored };
      if (expected.status === 200) {
        expect(seen).toMatchObject({ status: 200, code: 'accepted' });
        await waitForProjection(t.baseUrl, res);
        return;
      }
      expect(seen).toEqual({ ...expected, stored: expected.stored ? true : undefined });
      expect(res.contentType).toContain(PROBLEM_CONTENT_TYPE);
      expect(res.body).toMatchObject({
        status: expected.status,
        type: `urn:hooktrail:problem:${expected.code}`,
      });
      expect(typeof res.body?.title).toBe('string');
      expect(await stateFingerprint(t.db)).toEqual(stateBefore);
      if (expected.stored) {
        const { rows } = await t.db.query(
          `SELECT status, provider, body, body_sha256 FROM deliveries WHERE id = $1`,
          [res.body?.deliveryId],
        );
        // Signed bodies are kept whole; an Eyeson URL vouches for no body, so a large one keeps a preview.
        const whole = route.credential !== 'path' || request.body.length <= 2048;
        expect(rows).toEqual([
          {
            status: 'rejected',
            provider: route.provider,
            body: whole ? request.body : request.body.subarray(0, 2048),
            body_sha256: whole ? null : createHash('sha256').update(request.body).digest(),
          },
        ]);
      } else {
        expect(await deliveryCount(t.db)).toBe(deliveriesBefore);
      }
    }

    it.each(BAD_INPUTS.map((c) => [c.name, c] as const))('answers %s with a problem', async (_name, c) => {
      await expectRefused(c.request(route), c.expected(route));
    });

    it('refuses every bad credential with 401 and stores nothing', async () => {
      const cases = route.signatureCases(route.signEvent(route.event('bad-credential', 1)));
      expect(cases.length).toBeGreaterThan(3);
      for (const c of cases) {
        try {
          await expectRefused(c.request, { status: 401, code: c.code, stored: false });
        } catch (err) {
          throw new Error(`${c.name}: ${(err as Error).message}`, { cause: err });
        }
      }
    });

    it('accepts Unicode in strings and stores it unchanged', async () => {
      const text = 'Zürich ✓ 東京 🎥 مرحبا e\u0301 \u202eRTL';
      const event = setPath(route.event('unicode', 1), route.fields.string, text);
      const res = await send(t.baseUrl, route.signEvent(event));
      expect({ status: res.status, body: res.body }).toMatchObject({
        status: 200,
        body: { status: 'accepted' },
      });
      const { eventId } = await waitForProjection(t.baseUrl, res);
      const { rows } = await t.db.query<{ payload: unknown }>(`SELECT payload FROM events WHERE id = $1`, [
        eventId,
      ]);
      expect(JSON.stringify(rows[0].payload)).toContain(JSON.stringify(text).slice(1, -1));
    });
  },
);

describe('requests refused before they reach a webhook route', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['/webhooks/unknown', '/webhooks/wms/extra', '/webhooks/', '/webhooks/%00', '/webhooks/wms%2F..'])(
    'answers POST %s with 404 problem+json and stores nothing',
    async (path) => {
      const res = await send(t.baseUrl, {
        path,
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from('{}'),
      });
      expect({ status: res.status, code: res.body?.code }).toEqual({ status: 404, code: 'not-found' });
      expect(res.contentType).toContain(PROBLEM_CONTENT_TYPE);
      expect(await deliveryCount(t.db)).toBe(0);
    },
  );

  it('answers 422, not 500, for a NUL in a value a guard looks up before validation (Perculus request_id)', async () => {
    const perculus = WEBHOOK_ROUTES.find((r) => r.provider === 'perculus')!;
    const res = await send(
      t.baseUrl,
      perculus.signEvent({ ...perculus.event('nul-id', 1), request_id: 'a\u0000b' }),
    );
    expect({ status: res.status, code: res.body?.code }).toEqual({ status: 422, code: 'unprocessable-data' });
    expect(res.contentType).toContain(PROBLEM_CONTENT_TYPE);
    expect(await deliveryCount(t.db)).toBe(0);
  });

  it('answers a signature header larger than the server accepts with 431 problem+json', async () => {
    const [wms] = WEBHOOK_ROUTES;
    const valid = wms.signEvent(wms.event('huge-header', 1));
    const res = await send(t.baseUrl, {
      ...valid,
      headers: { ...valid.headers, 'X-WMS-Content-MAC': `hmac-sha256=${'a'.repeat(20_000)}` },
    });
    expect({ status: res.status, code: res.body?.code }).toEqual({ status: 431, code: 'headers-too-large' });
    expect(res.contentType).toContain(PROBLEM_CONTENT_TYPE);
    expect(await deliveryCount(t.db)).toBe(0);
  });

  it('answers a request that is not HTTP with 400 problem+json', async () => {
    const { port } = new URL(t.baseUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.end('POST /webhooks/wms HTTP/1.1\r\nHost\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain(`Content-Type: ${PROBLEM_CONTENT_TYPE}`);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 400,
      code: 'bad-request',
      parserError: expect.stringMatching(/^HPE_/),
    });
  });
});
