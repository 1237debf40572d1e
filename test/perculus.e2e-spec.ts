import { randomUUID } from 'node:crypto';
import {
  nowSeconds,
  perculusEvents,
  perculusLesson,
  perculusRequest,
  PerculusRequest,
  perculusToken,
  uniqueTokenTimestamp,
} from './support/perculus-sender';
import { waitForProjection } from './support/projection';
import { startTestApp, TEST_ENV, TestApp } from './support/test-app';

const SECRET = TEST_ENV.PERCULUS_WEBHOOK_SECRETS;
const ROTATED_OUT = 'perculus-secret-retired';

function post(t: TestApp, req: PerculusRequest, correlationId = randomUUID()) {
  return t.http().post(req.path).set(req.headers).set('X-Request-Id', correlationId).send(req.body);
}

/** Sends `message` signed with a fresh token and expects it accepted. */
async function accept(t: TestApp, message: Record<string, unknown>): Promise<{ deliveryId: string }> {
  const res = await post(t, perculusRequest(message, SECRET));
  expect(res.body).toMatchObject({ status: 'accepted' });
  await waitForProjection(t.baseUrl, res);
  return res.body;
}

async function deliveriesWith(t: TestApp, correlationId: string): Promise<number> {
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE request_id = $1`, [
    correlationId,
  ]);
  return rows[0].n;
}

async function session(t: TestApp, externalId: string) {
  const { rows } = await t.db.query(
    `SELECT status, started_at, ended_at, attributes FROM sessions WHERE provider = 'perculus' AND external_id = $1`,
    [externalId],
  );
  return rows[0];
}

describe('Perculus webhooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('events', () => {
    it('stores a SessionStatusEvent started as sent and starts the session', async () => {
      const message = perculusEvents.sessionStatus('lesson-1', 'started', '2024-05-01T09:00:00Z');
      const req = perculusRequest(message, SECRET);
      const res = await post(t, req).expect(200);
      expect(res.body).toMatchObject({ status: 'accepted' });
      await waitForProjection(t.baseUrl, res);
      const { rows } = await t.db.query(
        `SELECT d.status, d.body, d.context, e.type, e.known, e.idempotency_key, e.occurred_at, e.payload
         FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`,
        [res.body.deliveryId],
      );
      const timestamp = (JSON.parse(req.body) as { token: string }).token.split('|')[0];
      expect(rows[0]).toMatchObject({
        status: 'projected',
        body: Buffer.from(req.body),
        context: { tokenIssuedAt: new Date(Number(timestamp) * 1000).toISOString() },
        type: 'SessionStatusEvent',
        known: true,
        idempotency_key: message.request_id,
        occurred_at: new Date('2024-05-01T09:00:00Z'),
      });
      expect(rows[0].payload.token).toBe(`${timestamp}|[redacted]`);
      expect(await session(t, 'lesson-1')).toEqual({
        status: 'started',
        started_at: new Date('2024-05-01T09:00:00Z'),
        ended_at: null,
        attributes: {},
      });
    });

    it('finishes a session with a SessionStatusEvent finished given in Unix seconds', async () => {
      const start = Date.parse('2024-05-01T10:00:00Z') / 1000;
      await accept(t, perculusEvents.sessionStatus('lesson-2', 'started', start));
      await accept(t, perculusEvents.sessionStatus('lesson-2', 'finished', start + 2700));
      expect(await session(t, 'lesson-2')).toMatchObject({
        status: 'finished',
        started_at: new Date('2024-05-01T10:00:00Z'),
        ended_at: new Date('2024-05-01T10:45:00Z'),
      });
    });

    it('yields a finished session with both times when finished arrives before started', async () => {
      const lesson = perculusLesson('lesson-reversed', Date.parse('2024-05-01T11:00:00Z') / 1000);
      await accept(t, lesson.finished);
      expect(await session(t, 'lesson-reversed')).toMatchObject({ status: 'finished', started_at: null });
      await accept(t, lesson.started);
      expect(await session(t, 'lesson-reversed')).toMatchObject({
        status: 'finished',
        started_at: new Date('2024-05-01T11:00:00Z'),
        ended_at: new Date('2024-05-01T12:00:00Z'),
      });
    });

    it('records a SessionReportEvent failed with its error, then clears the error when ready', async () => {
      await accept(t, perculusEvents.sessionReport('lesson-3', 'failed', 'Packing timed out'));
      expect((await session(t, 'lesson-3')).attributes).toEqual({
        reportStatus: 'failed',
        reportError: 'Packing timed out',
      });
      await accept(t, perculusEvents.sessionReport('lesson-3', 'ready'));
      expect((await session(t, 'lesson-3')).attributes).toEqual({ reportStatus: 'ready', reportError: null });
    });

    it('records a SingleVideoEvent ready as the session video with a URL that expires 24 h after receipt', async () => {
      const url = 'https://media.perculus.example/videos/lesson-4.mp4?sig=abc';
      const { deliveryId } = await accept(
        t,
        perculusEvents.singleVideo('lesson-4', 'ready', { video_url: url }),
      );
      const { rows } = await t.db.query(
        `SELECT r.external_id, r.kind, r.status, r.url, r.error, s.external_id AS session,
                r.url_expires_at = d.received_at + interval '24 hours' AS expires_24h_after_receipt,
                e.recording_id = r.id AS event_linked
         FROM recordings r JOIN sessions s ON s.id = r.session_id, deliveries d JOIN events e ON e.id = d.event_id
         WHERE r.provider = 'perculus' AND r.external_id = 'lesson-4:video' AND d.id = $1`,
        [deliveryId],
      );
      expect(rows).toEqual([
        {
          external_id: 'lesson-4:video',
          kind: 'video',
          status: 'ready',
          url,
          error: null,
          session: 'lesson-4',
          expires_24h_after_receipt: true,
          event_linked: true,
        },
      ]);
    });

    it('records a SingleVideoEvent failed with its error and no URL', async () => {
      await accept(t, perculusEvents.singleVideo('lesson-5', 'failed', { error: 'Transcoding failed' }));
      const { rows } = await t.db.query(
        `SELECT status, url, url_expires_at, error FROM recordings WHERE provider = 'perculus' AND external_id = 'lesson-5:video'`,
      );
      expect(rows).toEqual([
        { status: 'failed', url: null, url_expires_at: null, error: 'Transcoding failed' },
      ]);
    });

    it('keeps an unknown event type on the timeline, flagged unknown', async () => {
      const message = {
        request_id: randomUUID(),
        type: 'SessionAttendanceEvent',
        session_id: 'lesson-6',
        x: 1,
      };
      const { deliveryId } = await accept(t, message);
      const { rows } = await t.db.query(
        `SELECT e.type, e.known, s.external_id FROM deliveries d JOIN events e ON e.id = d.event_id
         LEFT JOIN sessions s ON s.id = e.session_id WHERE d.id = $1`,
        [deliveryId],
      );
      expect(rows).toEqual([{ type: 'SessionAttendanceEvent', known: false, external_id: 'lesson-6' }]);
    });

    it('stores a signed status event with an unreadable date as rejected (422) for replay', async () => {
      const message = perculusEvents.sessionStatus('lesson-7', 'started', '01.05.2024 09:00');
      const res = await post(t, perculusRequest(message, SECRET)).expect(422);
      expect(res.body).toMatchObject({ code: 'validation-failed', stored: true });
      const { rows } = await t.db.query(`SELECT status FROM deliveries WHERE id = $1`, [res.body.deliveryId]);
      expect(rows).toEqual([{ status: 'rejected' }]);
      expect(await session(t, 'lesson-7')).toBeUndefined();
    });

    it('accepts a token in upper-case hex', async () => {
      const message = perculusEvents.sessionStatus('lesson-8', 'started', '2024-05-01T09:00:00Z');
      const res = await post(t, perculusRequest(message, SECRET, { upperCase: true })).expect(200);
      expect(res.body).toMatchObject({ status: 'accepted' });
      await waitForProjection(t.baseUrl, res);
    });
  });

  describe('refusals (401, nothing stored)', () => {
    const refused = async (req: PerculusRequest, code: string) => {
      const correlationId = randomUUID();
      const res = await post(t, req, correlationId).expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code });
      expect(await deliveriesWith(t, correlationId)).toBe(0);
      return res;
    };
    const message = () => perculusEvents.sessionStatus('lesson-refused', 'started', '2024-05-01T09:00:00Z');

    it('refuses an expired token', async () => {
      const res = await refused(
        perculusRequest(message(), SECRET, { timestamp: nowSeconds() - 400 }),
        'token-expired',
      );
      expect(res.body.detail).toMatch(/issued 4\d\d s ago; at most 300 s/);
    });

    it('refuses a token from the future', async () => {
      await refused(
        perculusRequest(message(), SECRET, { timestamp: nowSeconds() + 120 }),
        'token-from-future',
      );
    });

    it('refuses a token signed with a rotated-out secret, without revealing the expected MAC', async () => {
      const timestamp = nowSeconds();
      const res = await refused(perculusRequest(message(), ROTATED_OUT, { timestamp }), 'signature-mismatch');
      const expected = perculusToken(SECRET, timestamp).split('|')[1];
      expect(JSON.stringify(res.body)).not.toContain(expected);
    });

    it('refuses a malformed token', async () => {
      await refused(
        perculusRequest({ ...message(), token: `${nowSeconds()}|not-hex` }, SECRET),
        'signature-malformed',
      );
    });

    it('refuses a body without a token', async () => {
      await refused(perculusRequest({ ...message(), token: undefined }, SECRET), 'signature-missing');
    });

    it('refuses a body that is not JSON', async () => {
      await refused({ ...perculusRequest(message(), SECRET), body: 'token=1|abc' }, 'signature-missing');
    });

    it('refuses a valid token on a body without request_id, since the token cannot be bound', async () => {
      const { request_id: _omitted, ...rest } = message();
      await refused(perculusRequest(rest, SECRET), 'signature-malformed');
    });

    it('refuses every delivery when no secret is configured', async () => {
      const disabled = await startTestApp({ PERCULUS_WEBHOOK_SECRETS: '' });
      try {
        const res = await post(disabled, perculusRequest(message(), SECRET)).expect(401);
        expect(res.body.code).toBe('provider-disabled');
      } finally {
        await disabled.close();
      }
    });
  });

  describe('replay defence', () => {
    it('refuses a replayed token (same token, other request_id) and does not apply it', async () => {
      const token = perculusToken(SECRET);
      const original = perculusEvents.sessionStatus('lesson-r1', 'started', '2024-05-01T09:00:00Z');
      await waitForProjection(
        t.baseUrl,
        await post(t, perculusRequest({ ...original, token }, SECRET)).expect(200),
      );

      const forged = perculusEvents.sessionStatus('lesson-r1', 'finished', '2024-05-01T09:01:00Z');
      const res = await post(t, perculusRequest({ ...forged, token }, SECRET)).expect(401);
      expect(res.body).toMatchObject({ code: 'token-replayed', stored: true });
      expect(JSON.stringify(res.body)).not.toContain(original.request_id);

      expect(await session(t, 'lesson-r1')).toMatchObject({ status: 'started', ended_at: null });
      const { rows } = await t.db.query(
        `SELECT status, event_id, error->>'code' AS code, error->>'tokenBoundToRequestId' AS bound
         FROM deliveries WHERE id = $1`,
        [res.body.deliveryId],
      );
      expect(rows).toEqual([
        { status: 'rejected', event_id: null, code: 'token-replayed', bound: original.request_id },
      ]);
      const events = await t.db.query(`SELECT 1 FROM events WHERE idempotency_key = $1`, [forged.request_id]);
      expect(events.rowCount).toBe(0);
    });

    it('refuses a replay that only changes the case of the hex MAC', async () => {
      const token = perculusToken(SECRET);
      await accept(t, { ...perculusEvents.sessionReport('lesson-r2', 'ready'), token });
      const [timestamp, mac] = token.split('|');
      const res = await post(
        t,
        perculusRequest(
          {
            ...perculusEvents.sessionReport('lesson-r2', 'failed'),
            token: `${timestamp}|${mac.toUpperCase()}`,
          },
          SECRET,
        ),
      ).expect(401);
      expect(res.body.code).toBe('token-replayed');
    });

    it('stores a re-sent request_id once and answers the copy as a duplicate', async () => {
      const message = perculusEvents.sessionReport('lesson-r3', 'failed', 'Packing failed');
      const req = perculusRequest(message, SECRET);
      const first = await post(t, req).expect(200);
      const again = await post(t, req).expect(200);
      const withNewToken = await post(
        t,
        perculusRequest(message, SECRET, { timestamp: uniqueTokenTimestamp() }),
      ).expect(200);
      expect(first.body.status).toBe('accepted');
      expect(again.body).toEqual({ status: 'duplicate', deliveryId: first.body.deliveryId });
      expect(withNewToken.body).toEqual({ status: 'duplicate', deliveryId: first.body.deliveryId });
      await waitForProjection(t.baseUrl, first);
      const events = await t.db.query(`SELECT count(*)::int AS n FROM events WHERE idempotency_key = $1`, [
        message.request_id,
      ]);
      expect(events.rows[0].n).toBe(1);
      const delivery = await t.db.query(`SELECT count FROM delivery_duplicates WHERE delivery_id = $1`, [
        first.body.deliveryId,
      ]);
      expect(delivery.rows[0].count).toBe(2);
    });

    it('refuses a rejected message rewritten under its token and request_id, and applies nothing', async () => {
      const token = perculusToken(SECRET);
      const genuine = {
        ...perculusEvents.sessionStatus('class-evil2', 'finished', '01.05.2024 09:00'),
        token,
      };
      await post(t, perculusRequest(genuine, SECRET)).expect(422);

      const rewritten = { ...genuine, date: '2024-05-01T09:00:00Z' };
      const res = await post(t, perculusRequest(rewritten, SECRET)).expect(401);
      expect(res.body).toMatchObject({ code: 'token-replayed', stored: true });
      expect(await session(t, 'class-evil2')).toBeUndefined();
      const { rows } = await t.db.query(`SELECT status, event_id FROM deliveries WHERE id = $1`, [
        res.body.deliveryId,
      ]);
      expect(rows).toEqual([{ status: 'rejected', event_id: null }]);
    });

    it("refuses another body under an accepted message's token and request_id, yet answers an exact re-send as a duplicate", async () => {
      const token = perculusToken(SECRET);
      const genuine = { ...perculusEvents.sessionReport('lesson-r4', 'ready'), token };
      const first = await post(t, perculusRequest(genuine, SECRET)).expect(200);

      const forged = {
        ...perculusEvents.sessionReport('lesson-r4', 'failed', 'x'),
        request_id: genuine.request_id,
        token,
      };
      const refused = await post(t, perculusRequest(forged, SECRET)).expect(401);
      expect(refused.body.code).toBe('token-replayed');

      const again = await post(t, perculusRequest(genuine, SECRET)).expect(200);
      expect(again.body).toMatchObject({ status: 'duplicate', deliveryId: first.body.deliveryId });
    });

    it('lets exactly one of many concurrent messages sharing a token through', async () => {
      const token = perculusToken(SECRET);
      const messages = Array.from({ length: 8 }, (_, i) => ({
        ...perculusEvents.sessionStatus(`lesson-race-${i}`, 'started', '2024-05-01T09:00:00Z'),
        token,
      }));
      const results = await Promise.all(messages.map((m) => post(t, perculusRequest(m, SECRET))));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
      expect(results.filter((r) => r.status === 401).every((r) => r.body.code === 'token-replayed')).toBe(
        true,
      );
      const ledger = await t.db.query(
        `SELECT request_id FROM perculus_seen_tokens WHERE request_id = ANY($1)`,
        [messages.map((m) => m.request_id)],
      );
      const winner = messages[results.findIndex((r) => r.status === 200)];
      expect(ledger.rows).toEqual([{ request_id: winner.request_id }]);
    });
  });
});

describe('Perculus webhooks with sha1/base64 tokens, two secrets and replay refusal off', () => {
  const CURRENT = 'perculus-sha1-current';
  const PREVIOUS = 'perculus-sha1-previous';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      PERCULUS_WEBHOOK_SECRETS: `${CURRENT},${PREVIOUS}`,
      PERCULUS_TOKEN_ALGORITHM: 'sha1',
      PERCULUS_TOKEN_ENCODING: 'base64',
      PERCULUS_TOKEN_MAX_AGE_SECONDS: '60',
      PERCULUS_REFUSE_REPLAYED_TOKENS: 'false',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const send = (message: Record<string, unknown>, secret: string, options = {}) =>
    post(t, perculusRequest(message, secret, { algorithm: 'sha1', encoding: 'base64', ...options }));

  it('purges expired ledger rows on a delivery', async () => {
    await t.db.query(
      `INSERT INTO perculus_seen_tokens (token_hash, request_id, expires_at) VALUES
       ('\\x01', 'stale', now() - interval '1 hour'), ('\\x02', 'live', now() + interval '1 hour')`,
    );
    await send(perculusEvents.sessionStatus('sha1-0', 'started', 1714554000), CURRENT).expect(200);
    const { rows } = await t.db.query(
      `SELECT request_id FROM perculus_seen_tokens WHERE request_id IN ('stale', 'live')`,
    );
    expect(rows).toEqual([{ request_id: 'live' }]);
  });

  it('accepts a sha1/base64 token of the current secret', async () => {
    const res = await send(perculusEvents.sessionStatus('sha1-1', 'started', 1714554000), CURRENT).expect(
      200,
    );
    expect(res.body.status).toBe('accepted');
  });

  it('accepts a sha1/base64 token of the previous secret during rotation', async () => {
    await send(perculusEvents.sessionStatus('sha1-2', 'started', 1714554000), PREVIOUS).expect(200);
  });

  it('refuses a sha256/hex token when sha1/base64 is configured', async () => {
    const res = await post(
      t,
      perculusRequest(perculusEvents.sessionStatus('sha1-3', 'started', 1714554000), CURRENT),
    ).expect(401);
    expect(res.body.code).toBe('signature-malformed');
  });

  it('applies the configured maximum age', async () => {
    const res = await send(perculusEvents.sessionStatus('sha1-4', 'started', 1714554000), CURRENT, {
      timestamp: nowSeconds() - 90,
    }).expect(401);
    expect(res.body.code).toBe('token-expired');
  });

  it('still refuses the same token and request_id with another body when refusal is off', async () => {
    const token = perculusToken(CURRENT, undefined, { algorithm: 'sha1', encoding: 'base64' });
    const genuine = { ...perculusEvents.sessionStatus('sha1-7', 'started', 1714554000), token };
    await post(t, perculusRequest(genuine, CURRENT)).expect(200);
    const res = await post(t, perculusRequest({ ...genuine, status: 'finished' }, CURRENT)).expect(401);
    expect(res.body.code).toBe('token-replayed');
  });

  it('lets a reused token through when refusal is off, and records which request_id used it first', async () => {
    const token = perculusToken(CURRENT, undefined, { algorithm: 'sha1', encoding: 'base64' });
    const first = perculusEvents.sessionStatus('sha1-5', 'started', 1714554000);
    const second = perculusEvents.sessionStatus('sha1-6', 'started', 1714554000);
    await post(t, perculusRequest({ ...first, token }, CURRENT)).expect(200);
    const res = await post(t, perculusRequest({ ...second, token }, CURRENT));
    expect(res.body.status).toBe('accepted');
    const { rows } = await t.db.query(`SELECT context FROM deliveries WHERE id = $1`, [res.body.deliveryId]);
    expect(rows[0].context).toMatchObject({ tokenFirstUsedByRequestId: first.request_id });
  });
});
