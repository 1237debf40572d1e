import { waitForProjection } from './support/projection';
import { send } from './support/webhook-routes';
import { shuffled, stateSnapshot } from './support/state';
import { startTestApp, TEST_ENV, TestApp } from './support/test-app';
import { WmsEvent, wmsMeasurementFlow, wmsSampleSignature, wmsSignature } from './support/wms-sender';

const SECRET = TEST_ENV.WMS_MAC_SECRETS;

function post(t: TestApp, body: string | Buffer, signature = wmsSignature(body, SECRET)) {
  return t
    .http()
    .post('/webhooks/wms')
    .set('Content-Type', 'application/json')
    .set('X-WMS-Content-MAC', signature)
    .send(body);
}

async function sendAll(t: TestApp, events: WmsEvent[]): Promise<void> {
  for (const e of events) {
    const res = await post(t, JSON.stringify(e));
    expect(res.status).toBe(200);
    await waitForProjection(t.baseUrl, res);
  }
}

describe('NuraLogix WMS webhooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts the documented example event, signed as WMS signs it, and stores it', async () => {
    // The docs' example, without the trailing comma that makes the published sample invalid JSON.
    const body =
      '{"timestamp":1689684577,"sessionId":"ryueiwoqfh910fu3rpqruvfiu","sequence":0,"event":"MEASUREMENT_CREATED","severity":"INFO","payload":{"measurementId":"f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"}}';
    const res = await post(t, body, wmsSampleSignature(Buffer.from(body), SECRET)).expect(200);
    expect(res.body).toMatchObject({ status: 'accepted' });
    await waitForProjection(t.baseUrl, res);
    const { rows } = await t.db.query(
      `SELECT d.status, d.body, e.type, e.sequence, m.status AS m_status, s.external_id
       FROM deliveries d JOIN events e ON e.id = d.event_id JOIN measurements m ON m.id = e.measurement_id JOIN sessions s ON s.id = e.session_id
       WHERE d.id = $1`,
      [res.body.deliveryId],
    );
    expect(rows).toEqual([
      {
        status: 'projected',
        body: Buffer.from(body),
        type: 'MEASUREMENT_CREATED',
        sequence: '0',
        m_status: 'created',
        external_id: 'ryueiwoqfh910fu3rpqruvfiu',
      },
    ]);
  });

  it('folds a full measurement flow into session and measurement state with its SNR series', async () => {
    await sendAll(t, wmsMeasurementFlow('flow-session', 'flow-measurement'));
    const session = await t.db.query(
      `SELECT status, started_at, ended_at, attributes FROM sessions WHERE provider = 'wms' AND external_id = 'flow-session'`,
    );
    expect(session.rows[0]).toEqual({
      status: 'redirected',
      started_at: new Date(1689684577 * 1000),
      ended_at: new Date((1689684577 + 12 * 5) * 1000),
      attributes: { lastEvent: 'REDIRECTING_TO_CALLBACK', lastSeverity: 'INFO' },
    });
    const measurement = await t.db.query(
      `SELECT id, status, started_at, ended_at FROM measurements WHERE external_id = 'flow-measurement'`,
    );
    expect(measurement.rows[0]).toMatchObject({
      status: 'results-received',
      started_at: new Date((1689684577 + 5 * 5) * 1000),
      ended_at: new Date((1689684577 + 11 * 5) * 1000),
    });
    const samples = await t.db.query(
      `SELECT sequence, value FROM measurement_samples WHERE measurement_id = $1 ORDER BY sequence`,
      [measurement.rows[0].id],
    );
    expect(samples.rows).toEqual([
      { sequence: '1', value: 4 },
      { sequence: '2', value: 7 },
      { sequence: '3', value: 9 },
    ]);
    const timeline = await t.db.query(
      `SELECT e.sequence FROM events e JOIN sessions s ON s.id = e.session_id WHERE s.external_id = 'flow-session' ORDER BY e.occurred_at, e.sequence, e.id`,
    );
    expect(timeline.rows.map((r) => Number(r.sequence))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('gives the same state for a flow sent shuffled as sent in order', async () => {
    const inOrder = await startTestApp();
    try {
      const flows = [
        wmsMeasurementFlow('perm-a', 'perm-a-m'),
        wmsMeasurementFlow('perm-b', 'perm-b-m', 1700000000),
      ];
      flows[1].splice(
        11,
        3,
        { ...flows[1][11], event: 'MEASUREMENT_CANCELED', severity: 'WARN' },
        { ...flows[1][12], sequence: 12, event: 'PAGE_UNLOADED' },
      );
      const all = flows.flat();
      await sendAll(inOrder, all);
      const expected = await stateSnapshot(inOrder.db, 'wms');
      for (const seed of [1, 2, 3]) {
        const other = await startTestApp();
        try {
          await sendAll(other, shuffled(all, seed));
          expect(await stateSnapshot(other.db, 'wms')).toEqual(expected);
        } finally {
          await other.close();
        }
      }
      const b = expected.measurements.find((m) => (m as { external_id: string }).external_id === 'perm-b-m');
      expect(b).toMatchObject({ status: 'canceled' });
    } finally {
      await inOrder.close();
    }
  });

  it('stores a re-sent event once and answers it as a duplicate', async () => {
    const body = JSON.stringify({
      timestamp: 1689684600,
      sessionId: 'dup-session',
      sequence: 0,
      event: 'WMS_LOADED',
      severity: 'INFO',
    });
    const first = await post(t, body).expect(200);
    const second = await post(t, body).expect(200);
    expect(first.body.status).toBe('accepted');
    expect(second.body).toEqual({ status: 'duplicate', deliveryId: first.body.deliveryId });
    const delivery = await waitForProjection(t.baseUrl, second);
    expect(delivery).toMatchObject({ status: 'projected', duplicateCount: 1 });
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = $1`, [
      delivery.eventId,
    ]);
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('keeps an unknown event on the timeline, flagged', async () => {
    const body = JSON.stringify({
      timestamp: 1689684600,
      sessionId: 'unknown-session',
      sequence: 4,
      event: 'FACE_LOST',
      severity: 'WARN',
      payload: { x: 1 },
    });
    await waitForProjection(t.baseUrl, await post(t, body).expect(200));
    const { rows } = await t.db.query(
      `SELECT type, known, severity FROM events WHERE idempotency_key = 'unknown-session:4'`,
    );
    expect(rows).toEqual([{ type: 'FACE_LOST', known: false, severity: 'WARN' }]);
  });

  it('refuses bodies that are not valid UTF-8 at the signature (401), so two such deliveries never merge', async () => {
    // Two deliveries that differ only in an invalid byte: decoded leniently, both would read as one. A WMS
    // body is JSON, hence UTF-8: its guard refuses any other body (other providers answer 400, stored).
    const before = await t.db.query(`SELECT count(*)::int AS n FROM deliveries`);
    for (const byte of [0xff, 0xfe]) {
      const body = Buffer.concat([
        Buffer.from('{"timestamp":1689684600,"sessionId":"utf8-'),
        Buffer.from([byte]),
        Buffer.from('","sequence":0,"event":"WMS_LOADED","severity":"INFO"}'),
      ]);
      const res = await send(t.baseUrl, {
        path: '/webhooks/wms',
        headers: { 'content-type': 'application/json', 'x-wms-content-mac': wmsSignature(body, SECRET) },
        body,
      });
      expect(res.status).toBe(401);
    }
    const after = await t.db.query(`SELECT count(*)::int AS n FROM deliveries`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it.each(['1e400', '123456789012345678901234567890', '0.1000000000000000000000000001'])(
    'refuses the number %s, which would not be kept exactly, with 422 (stored as rejected)',
    async (number) => {
      const body = `{"timestamp":1689684600,"sessionId":"numbers","sequence":7,"event":"WMS_LOADED","severity":"INFO","payload":{"score":${number}}}`;
      const res = await post(t, body).expect(422);
      expect(res.body).toMatchObject({ code: 'unprocessable-data', stored: true });
      expect(res.body.detail).toContain(number.slice(0, 20));
    },
  );

  it('keeps numbers a double holds exactly, as written', async () => {
    const body = `{"timestamp":1689684600,"sessionId":"numbers","sequence":8,"event":"WMS_LOADED","severity":"INFO","payload":{"a":9007199254740991,"b":0.1,"c":1.5e300,"d":-0.0001}}`;
    const res = await post(t, body).expect(200);
    const delivery = await waitForProjection(t.baseUrl, res);
    const { rows } = await t.db.query(
      `SELECT payload -> 'payload' = '{"a":9007199254740991,"b":0.1,"c":1.5e300,"d":-0.0001}'::jsonb AS exact
       FROM events WHERE id = $1`,
      [delivery.eventId],
    );
    expect(rows).toEqual([{ exact: true }]);
  });

  it('refuses a body altered by one byte with 401, storing nothing', async () => {
    const body = JSON.stringify({
      timestamp: 1689684600,
      sessionId: 'altered',
      sequence: 0,
      event: 'WMS_LOADED',
      severity: 'INFO',
    });
    const altered = body.replace('"sequence":0', '"sequence":1');
    const res = await post(t, altered, wmsSignature(body, SECRET)).expect(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('signature-mismatch');
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM events WHERE idempotency_key LIKE 'altered:%'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('refuses a captured delivery re-sent with its id spelled in U+01xx look-alikes under the same MAC', async () => {
    const genuine = JSON.stringify({
      timestamp: 1689684600,
      sessionId: 'victim',
      sequence: 0,
      event: 'WMS_LOADED',
      severity: 'INFO',
    });
    await post(t, genuine).expect(200);
    // Each character keeps the low byte of the one it replaces, so the sample's 'ascii' re-encoding is the same.
    const forged = genuine.replace('"victim"', '"ŶũţŴũŭ"');
    expect(wmsSampleSignature(Buffer.from(forged), SECRET)).toBe(wmsSignature(genuine, SECRET));
    const res = await post(t, forged, wmsSignature(genuine, SECRET)).expect(401);
    expect(res.body.code).toBe('signature-mismatch');
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM sessions WHERE provider = 'wms' AND external_id = 'ŶũţŴũŭ'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it("answers a value Postgres cannot store with a generic detail, keeping the database's own text off the wire", async () => {
    const body = JSON.stringify({
      timestamp: 1689684600,
      sessionId: 'surrogate',
      sequence: 0,
      event: 'WMS_LOADED',
      severity: 'INFO',
      note: '@',
    }).replace('"@"', '"\\ud800 alone"');
    const res = await post(t, body).expect(422);
    expect(res.body).toMatchObject({ code: 'unprocessable-data', stored: true });
    expect(res.text).not.toMatch(/json|syntax|invalid input|surrogate must|Unicode/i);
  });

  it('answers a signed payload that fails validation with 422 and keeps it in the inbox', async () => {
    const body = JSON.stringify({
      timestamp: 'yesterday',
      sessionId: '',
      sequence: -1,
      event: 'MEASUREMENT_CREATED',
      severity: 'INFO',
      payload: {},
    });
    const res = await post(t, body).expect(422);
    expect(res.body).toMatchObject({ code: 'validation-failed', stored: true });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['timestamp', 'sessionId', 'sequence']),
    );
    const { rows } = await t.db.query(
      `SELECT status, body, error->>'code' AS code FROM deliveries WHERE id = $1`,
      [res.body.deliveryId],
    );
    expect(rows).toEqual([{ status: 'rejected', body: Buffer.from(body), code: 'validation-failed' }]);
  });

  it('rejects an event whose payload misses what its event requires, naming the field', async () => {
    const body = JSON.stringify({
      timestamp: 1689684600,
      sessionId: 'payload-check',
      sequence: 1,
      event: 'INTERMEDIATE_RESULTS',
      severity: 'INFO',
      payload: { measurementId: 'm', snr: 'high' },
    });
    const res = await post(t, body).expect(422);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['payload.snr', 'payload.sequence']),
    );
  });
});
