import fc from 'fast-check';
import { PROBLEM_CONTENT_TYPE } from 'src/common/problem';
import { waitForBacklog } from './support/projection';
import { startTestApp, TestApp } from './support/test-app';
import { send, setPath, WebhookRequest, WebhookRoute, WEBHOOK_ROUTES } from './support/webhook-routes';

/**
 * Runs per route and kind, with a fixed seed so that a failure reproduces (fast-check prints the
 * counterexample). Explore further with e.g. `FUZZ_RUNS=5000 FUZZ_SEED=$RANDOM npx jest test/fuzz`.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? 20_241_124);

/** Printable ASCII: anything else cannot be put in an HTTP header by a client. */
const headerText = (maxLength: number) =>
  fc
    .array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength })
    .map((codes) => String.fromCharCode(...codes).trim());

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/cloudevents+json',
    'text/json',
    'text/plain',
    'image/jpeg',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    '',
  ),
  headerText(60),
);

function leafPaths(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? leafPaths(v as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => Number(n)),
  fc.constantFrom(null, undefined, '', '\u0000', '\ud800', '9999-99-99T99:99:99Z', -1, 1e308, -0),
);

/** A documented event with one to three fields replaced, removed or added: it reaches validation. */
function mutatedEvent(route: WebhookRoute): fc.Arbitrary<Record<string, unknown>> {
  const paths = [...leafPaths(route.event('fuzz', 0)), 'extra', 'data', 'payload'];
  return fc
    .tuple(
      fc.nat(10_000),
      fc.array(fc.tuple(fc.constantFrom(...paths), anyValue), { minLength: 1, maxLength: 3 }),
    )
    .map(([n, changes]) => {
      let event = route.event('fuzz', n);
      for (const [path, value] of changes) {
        try {
          event = setPath(event, path, value);
        } catch {
          // the parent was replaced by a scalar by an earlier change
        }
      }
      return event;
    });
}

/** Random bytes or text, signed correctly (so they get past the credential check where it is outside the body). */
function signedRandomBody(route: WebhookRoute): fc.Arbitrary<WebhookRequest> {
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 2_000 }).map((b) => Buffer.from(b)),
    fc.json({ maxDepth: 5 }).map((s) => Buffer.from(s)),
    fc.string({ unit: 'binary', maxLength: 500 }).map((s) => Buffer.from(s)),
  );
  return fc.tuple(body, contentType).map(([b, type]) => route.sign(b, type));
}

/** A structurally fuzzed event with its credential, sent under a random content type now and then. */
function signedMutatedEvent(route: WebhookRoute): fc.Arbitrary<WebhookRequest> {
  return fc.tuple(mutatedEvent(route), fc.option(contentType, { freq: 4 })).map(([event, type]) => {
    const request = route.signEvent(event);
    return type === null ? request : route.sign(request.body, type);
  });
}

/** Random headers and paths: credentials that are absent, garbage or attached to other bytes. */
function unsignedNoise(route: WebhookRoute): fc.Arbitrary<WebhookRequest> {
  const valid = route.signEvent(route.event('noise', 0));
  return fc
    .tuple(
      fc.dictionary(
        fc.constantFrom(...Object.keys(valid.headers), 'X-Extra', 'Authorization', 'Content-Encoding'),
        headerText(200),
        { maxKeys: 4 },
      ),
      fc.oneof(
        fc.constant(valid.path),
        headerText(80).map((s) => `${valid.path}/${encodeURIComponent(s)}`),
      ),
      fc.oneof(
        fc.constant(valid.body),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      ),
    )
    .map(([headers, path, body]) => ({ path, headers: { ...valid.headers, ...headers }, body }));
}

describe('fuzzing every webhook route', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function answersSanely(request: WebhookRequest): Promise<void> {
    const res = await send(t.baseUrl, request);
    if (res.status >= 500) throw new Error(`answered ${res.status}: ${res.text}`);
    if (res.status >= 400) {
      expect(res.contentType).toContain(PROBLEM_CONTENT_TYPE);
      expect(res.body).toMatchObject({
        status: res.status,
        code: expect.any(String),
        type: expect.any(String),
      });
    } else {
      expect(res.status).toBe(200);
      expect(['accepted', 'duplicate']).toContain(res.body?.status);
    }
  }

  const kinds: Array<[string, (route: WebhookRoute) => fc.Arbitrary<WebhookRequest>]> = [
    ['random bodies, correctly signed', signedRandomBody],
    ['documented events with fields mutated', signedMutatedEvent],
    ['random headers, paths and credentials', unsignedNoise],
  ];

  describe.each(WEBHOOK_ROUTES.map((r) => [r.provider, r] as const))('%s', (_provider, route) => {
    it.each(kinds)('never answers 5xx, and every 4xx is a problem document: %s', async (_kind, arbitrary) => {
      await fc.assert(fc.asyncProperty(arbitrary(route), answersSanely), { numRuns: RUNS, seed: SEED });
    });
  });

  it('left the service healthy, nothing stored as failed and nothing invalid in the state', async () => {
    await t.http().get('/health/ready').expect(200);
    await waitForBacklog(t.baseUrl);
    const { rows } = await t.db.query<{ failed: unknown[]; orphans: number }>(
      `SELECT (SELECT coalesce(json_agg(error), '[]') FROM deliveries WHERE status = 'failed') AS failed,
              (SELECT count(*)::int FROM events e WHERE NOT EXISTS (
                 SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'projected')) AS orphans`,
    );
    expect(rows[0]).toEqual({ failed: [], orphans: 0 });
  });
});
