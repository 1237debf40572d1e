import {
  changeCharAt,
  eyesonEvents,
  eyesonPath,
  eyesonRequest,
  eyesonToken,
  legacyEyesonToken,
  pathOfUrl,
} from './support/eyeson-sender';
import { waitForProjection } from './support/projection';
import { startTestApp, TEST_API_KEY, TEST_ENV, TestApp } from './support/test-app';

const OLD_SECRET = TEST_ENV.EYESON_CALLBACK_SECRETS;
const NEW_SECRET = 'eyeson-callback-secret-next-456789';

async function minted(t: TestApp, reference: string): Promise<{ url: string; expiresAt: string }> {
  const res = await t
    .http()
    .post('/api/eyeson/callback-urls')
    .set('Authorization', `Bearer ${TEST_API_KEY}`)
    .send({ reference })
    .expect(201);
  expect(res.body).toEqual({ reference, url: expect.any(String), expiresAt: expect.any(String) });
  return res.body;
}

const mint = async (t: TestApp, reference: string): Promise<string> => (await minted(t, reference)).url;
const unixSeconds = (iso: string): number => Date.parse(iso) / 1000;

function send(t: TestApp, path: string, payload: Record<string, unknown> | string) {
  const req = eyesonRequest(path, payload);
  return t.http().post(req.path).set(req.headers).send(req.body);
}

async function countRows(t: TestApp, table: 'deliveries' | 'events'): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

/** The call's state as the query API would read it: the session, its children, recordings and timeline. */
async function stateOf(t: TestApp, reference: string) {
  const session = await t.db.query(
    `SELECT id, kind, status, started_at, ended_at, attributes FROM sessions WHERE provider = 'eyeson' AND external_id = $1`,
    [reference],
  );
  const id = session.rows[0]?.id as string | undefined;
  const children = await t.db.query(
    `SELECT external_id, kind, status, started_at, ended_at, attributes FROM sessions WHERE parent_id = $1 ORDER BY external_id`,
    [id],
  );
  const recordings = await t.db.query(
    `SELECT external_id, kind, status, started_at, ended_at, duration_ms, size_bytes, error, attributes
       FROM recordings WHERE session_id = $1 ORDER BY external_id`,
    [id],
  );
  const events = await t.db.query(
    `SELECT e.type, e.known, e.occurred_at, r.external_id AS recording
       FROM events e LEFT JOIN recordings r ON r.id = e.recording_id
      WHERE e.session_id = $1 ORDER BY e.type, r.external_id`,
    [id],
  );
  const { id: _id, ...sessionRow } = session.rows[0] ?? {};
  return { session: sessionRow, children: children.rows, recordings: recordings.rows, events: events.rows };
}

describe('Eyeson StreamRec over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('minting callback URLs', () => {
    it('mints a URL under the public base URL whose token the sender scheme reproduces', async () => {
      const { url, expiresAt } = await minted(t, 'call-2024-05-01-0042');
      const expires = unixSeconds(expiresAt);
      expect(url).toBe(
        `${t.config.publicBaseUrl}${eyesonPath(eyesonToken('call-2024-05-01-0042', OLD_SECRET, expires))}`,
      );
    });

    it('mints URLs that expire after the default seven days', async () => {
      const before = Math.floor(Date.now() / 1000);
      const { expiresAt } = await minted(t, 'call-ttl');
      const after = Math.ceil(Date.now() / 1000);
      expect(unixSeconds(expiresAt)).toBeGreaterThanOrEqual(before + 7 * 86_400);
      expect(unixSeconds(expiresAt)).toBeLessThanOrEqual(after + 7 * 86_400);
    });

    it('refuses to mint without an API key', async () => {
      const res = await t.http().post('/api/eyeson/callback-urls').send({ reference: 'call-1' }).expect(401);
      expect(res.body.code).toBe('unauthorized');
    });

    it.each([
      ['an empty reference', { reference: '' }],
      ['a reference longer than 128 characters', { reference: 'r'.repeat(129) }],
      ['a reference with a slash', { reference: 'tenant/call-1' }],
      ['a reference with a space', { reference: 'call 1' }],
      ['a non-ASCII reference', { reference: 'anruf-ü' }],
      ['a numeric reference', { reference: 42 }],
      ['no reference', {}],
      ['an unknown field', { reference: 'call-1', expires: 'never' }],
    ])('answers 400 for %s', async (_what, body) => {
      const res = await t
        .http()
        .post('/api/eyeson/callback-urls')
        .set('Authorization', `Bearer ${TEST_API_KEY}`)
        .send(body)
        .expect(400);
      expect(res.body.code).toBe('invalid-parameter');
    });
  });

  it('accepts all four event kinds at a minted URL and files them under its reference', async () => {
    const path = pathOfUrl(await mint(t, 'call-all-four'));
    const bodies = [
      eyesonEvents.uploadReady('rec-a1'),
      eyesonEvents.uploadFailed('rec-a2', 502),
      eyesonEvents.sessionFinished('rec-a1'),
      eyesonEvents.supervisorSessionFinished('sup-a1'),
    ];
    for (const body of bodies) {
      const res = await send(t, path, body).expect(200);
      expect(res.body).toMatchObject({ status: 'accepted' });
      await waitForProjection(t.baseUrl, res);
    }

    const state = await stateOf(t, 'call-all-four');
    expect(state.session).toEqual({
      kind: 'session',
      status: 'finished',
      started_at: new Date('2024-05-01T12:00:00.000Z'),
      ended_at: new Date('2024-05-01T12:10:10.000Z'),
      attributes: { clientId: 'client-agent-12' },
    });
    expect(state.children).toEqual([
      {
        external_id: 'sup-a1',
        kind: 'supervisor',
        status: 'finished',
        started_at: new Date('2024-05-01T12:02:00.000Z'),
        ended_at: new Date('2024-05-01T12:07:00.000Z'),
        attributes: {
          reference: 'call-all-four',
          supervisorClientId: 'client-supervisor-3',
          agentSessionId: 'agent-session-55',
          agentClientId: 'client-agent-12',
        },
      },
    ]);
    expect(state.recordings).toEqual([
      {
        external_id: 'rec-a1',
        kind: 'recording',
        status: 'ready',
        started_at: new Date('2024-05-01T12:00:05.000Z'),
        ended_at: new Date('2024-05-01T12:10:05.000Z'),
        duration_ms: '599580',
        size_bytes: '73400320',
        error: null,
        attributes: {
          clientId: 'client-agent-12',
          firstFrameWrittenAt: '2024-05-01T12:00:05.420Z',
          firstPeerFrameCapturedAt: '2024-05-01T12:00:05.180Z',
        },
      },
      {
        external_id: 'rec-a2',
        kind: 'recording',
        status: 'failed',
        started_at: null,
        ended_at: null,
        duration_ms: null,
        size_bytes: null,
        error: 'Upload failed with HTTP status 502: Upload failed',
        attributes: { clientId: 'client-agent-12', uploadStatusCode: 502 },
      },
    ]);
    expect(state.events.map((e) => [e.type, e.known, e.recording])).toEqual([
      ['session_finished', true, 'rec-a1'],
      ['supervisor_session_finished', true, null],
      ['upload_failed', true, 'rec-a2'],
      ['upload_ready', true, 'rec-a1'],
    ]);

    // The guard's finding is stored with each delivery, so a replay files it under the same reference.
    const { rows } = await t.db.query(
      `SELECT d.context, d.status FROM deliveries d JOIN events e ON e.id = d.event_id
        JOIN sessions s ON s.id = e.session_id WHERE s.external_id = 'call-all-four'`,
    );
    expect(rows).toHaveLength(4);
    for (const row of rows)
      expect(row).toEqual({ context: { reference: 'call-all-four' }, status: 'projected' });
  });

  it('keeps an unknown status on the call timeline, flagged', async () => {
    const path = eyesonPath(eyesonToken('call-unknown', OLD_SECRET));
    await waitForProjection(
      t.baseUrl,
      await send(t, path, { status: 'recording_paused', rec_id: 'rec-u1' }).expect(200),
    );
    const state = await stateOf(t, 'call-unknown');
    expect(state.events).toEqual([
      { type: 'recording_paused', known: false, occurred_at: expect.any(Date), recording: null },
    ]);
    expect(state.recordings).toEqual([]);
  });

  it('stores an invalid event as rejected and answers 422 naming the field', async () => {
    const path = eyesonPath(eyesonToken('call-invalid', OLD_SECRET));
    const res = await send(
      t,
      path,
      eyesonEvents.uploadReady('rec-i1', { recording_file_size_bytes: '12kb' }),
    ).expect(422);
    expect(res.body).toMatchObject({ code: 'validation-failed', stored: true });
    const paths = new Set(res.body.errors.map((e: { path: string }) => e.path));
    expect([...paths]).toEqual(['recording_file_size_bytes']);
    const { rows } = await t.db.query(`SELECT status, context FROM deliveries WHERE id = $1`, [
      res.body.deliveryId,
    ]);
    expect(rows).toEqual([{ status: 'rejected', context: { reference: 'call-invalid' } }]);
  });

  it('stores a re-sent event once and counts the duplicate', async () => {
    const path = pathOfUrl(await mint(t, 'call-dup'));
    const first = await send(t, path, eyesonEvents.uploadReady('rec-d1')).expect(200);
    const second = await send(t, path, eyesonEvents.uploadReady('rec-d1')).expect(200);
    expect(second.body).toEqual({ status: 'duplicate', deliveryId: first.body.deliveryId });
    const delivery = await waitForProjection(t.baseUrl, second);
    expect(delivery).toMatchObject({ status: 'projected', duplicateCount: 1 });
    const { rows } = await t.db.query(
      `SELECT e.id FROM events e JOIN recordings r ON r.id = e.recording_id WHERE r.external_id = 'rec-d1'`,
    );
    expect(rows).toEqual([{ id: delivery.eventId }]);
  });

  describe('refusing URLs that were not minted', () => {
    const reference = 'call-forgery';
    const token = eyesonToken(reference, OLD_SECRET);

    it('accepts the untampered URL (the control)', async () => {
      await send(t, eyesonPath(token), eyesonEvents.uploadFailed('rec-f0')).expect(200);
    });

    it('refuses the URL with any one character changed, and stores nothing', async () => {
      const before = await countRows(t, 'deliveries');
      const statuses = new Set<number>();
      for (let i = 0; i < token.length; i++) {
        const res = await send(t, eyesonPath(changeCharAt(token, i)), eyesonEvents.uploadFailed('rec-f1'));
        statuses.add(res.status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect([...statuses]).toEqual([401]);
      expect(await countRows(t, 'deliveries')).toBe(before);
    });

    it.each([
      ['truncated', token.slice(0, -1), 'signature-malformed'],
      ['cut at the dot', token.split('.')[0], 'signature-malformed'],
      ['with padding added', `${token}=`, 'signature-malformed'],
      [
        'carrying another reference',
        `${Buffer.from('call-other').toString('base64url')}.${token.split('.').slice(1).join('.')}`,
        'signature-mismatch',
      ],
      [
        'minted under a secret the app does not have',
        eyesonToken(reference, 'some-other-secret-0123456789'),
        'signature-mismatch',
      ],
      ['garbage', 'not-a-token', 'signature-malformed'],
    ])('refuses a token %s with 401', async (_what, forged, code) => {
      const res = await send(t, eyesonPath(forged), eyesonEvents.uploadFailed('rec-f2')).expect(401);
      expect(res.body).toMatchObject({ status: 401, code });
      expect(JSON.stringify(res.body)).not.toContain(forged);
    });
  });

  it('folds the events of a call to the same state in every arrival order', async () => {
    // A failed upload retried successfully, the session end and a supervisor: 24 arrival orders.
    const events = (n: number) => [
      eyesonEvents.uploadFailed(`rec-p${n}`, 503),
      eyesonEvents.uploadReady(`rec-p${n}`),
      eyesonEvents.sessionFinished(`rec-p${n}`),
      eyesonEvents.supervisorSessionFinished(`sup-p${n}`),
    ];
    const permutations = (items: number[]): number[][] =>
      items.length <= 1
        ? [items]
        : items.flatMap((item, i) =>
            permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
          );
    const orders = permutations([0, 1, 2, 3]);
    expect(orders).toHaveLength(24);

    const states: string[] = [];
    for (const [n, order] of orders.entries()) {
      const reference = `call-perm-${n}`;
      const path = eyesonPath(eyesonToken(reference, OLD_SECRET));
      const bodies = events(n);
      for (const i of order) await waitForProjection(t.baseUrl, await send(t, path, bodies[i]).expect(200));
      const state = await stateOf(t, reference);
      // upload_failed carries no time, so it sits on the timeline at its arrival, which differs by design.
      for (const e of state.events) if (e.type === 'upload_failed') e.occurred_at = 'at arrival';
      // Same shape across calls once the per-call ids are named alike.
      states.push(JSON.stringify(state).replaceAll(reference, 'REF').replaceAll(`-p${n}"`, '-pN"'));
    }
    for (const state of states) expect(state).toBe(states[0]);
    const folded = JSON.parse(states[0]);
    expect(folded.session.status).toBe('finished');
    expect(folded.recordings).toEqual([
      expect.objectContaining({
        external_id: 'rec-pN',
        status: 'ready',
        duration_ms: '599580',
        error: 'Upload failed with HTTP status 503: Upload failed',
      }),
    ]);
    expect(folded.children).toEqual([expect.objectContaining({ external_id: 'sup-pN', kind: 'supervisor' })]);
  });
});

describe('Eyeson callback secret rotation over HTTP', () => {
  it('refuses a URL minted under a secret once that secret is removed from config', async () => {
    // Before the rotation: the app signs with the old secret.
    const before = await startTestApp({ EYESON_CALLBACK_SECRETS: OLD_SECRET });
    let oldUrl: string;
    try {
      oldUrl = await mint(before, 'call-rotated');
    } finally {
      await before.close();
    }

    // During the rotation both are configured, the new one first: old URLs still work, new URLs use the new secret.
    const during = await startTestApp({ EYESON_CALLBACK_SECRETS: `${NEW_SECRET},${OLD_SECRET}` });
    let newUrl: string;
    try {
      await send(during, pathOfUrl(oldUrl), eyesonEvents.uploadReady('rec-r1')).expect(200);
      const mintedNew = await minted(during, 'call-rotated');
      newUrl = mintedNew.url;
      expect(newUrl).not.toBe(oldUrl);
      expect(pathOfUrl(newUrl)).toBe(
        eyesonPath(eyesonToken('call-rotated', NEW_SECRET, unixSeconds(mintedNew.expiresAt))),
      );
    } finally {
      await during.close();
    }

    // After: the old secret is gone, so are the URLs minted under it.
    const after = await startTestApp({ EYESON_CALLBACK_SECRETS: NEW_SECRET });
    try {
      const refused = await send(after, pathOfUrl(oldUrl), eyesonEvents.uploadReady('rec-r1')).expect(401);
      expect(refused.body.code).toBe('signature-mismatch');
      await send(after, pathOfUrl(newUrl), eyesonEvents.uploadReady('rec-r1')).expect(200);
      expect(await countRows(after, 'deliveries')).toBe(1);
    } finally {
      await after.close();
    }
  });

  it('refuses every delivery and every mint when no secret is configured', async () => {
    const disabled = await startTestApp({ EYESON_CALLBACK_SECRETS: '' });
    try {
      const res = await send(
        disabled,
        eyesonPath(eyesonToken('call-1', OLD_SECRET)),
        eyesonEvents.uploadFailed('r'),
      );
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('provider-disabled');
      const minted = await disabled
        .http()
        .post('/api/eyeson/callback-urls')
        .set('Authorization', `Bearer ${TEST_API_KEY}`)
        .send({ reference: 'call-1' })
        .expect(409);
      expect(minted.body.code).toBe('provider-disabled');
      expect(await countRows(disabled, 'deliveries')).toBe(0);
    } finally {
      await disabled.close();
    }
  });
});

describe('Eyeson callback URL expiry, revocation and rate limit over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EYESON_DELIVERIES_PER_MINUTE_PER_REFERENCE: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  const revoke = (url: string) =>
    t
      .http()
      .post('/api/eyeson/callback-urls/revocations')
      .set('Authorization', `Bearer ${TEST_API_KEY}`)
      .send({ url });

  it('refuses a URL past its expiry with 401 token-expired, storing nothing', async () => {
    const expired = eyesonToken('call-expired', OLD_SECRET, Math.floor(Date.now() / 1000) - 1);
    const before = await countRows(t, 'deliveries');
    const res = await send(t, eyesonPath(expired), eyesonEvents.uploadReady('rec-x1')).expect(401);
    expect(res.body.code).toBe('token-expired');
    expect(await countRows(t, 'deliveries')).toBe(before);
  });

  it('refuses a URL minted before URLs expired, unless EYESON_LEGACY_URLS_UNTIL is ahead', async () => {
    const legacy = eyesonPath(legacyEyesonToken('call-legacy', OLD_SECRET));
    const res = await send(t, legacy, eyesonEvents.uploadReady('rec-l1')).expect(401);
    expect(res.body.code).toBe('token-expired');
    const grace = await startTestApp({
      EYESON_LEGACY_URLS_UNTIL: new Date(Date.now() + 86_400_000).toISOString(),
    });
    try {
      await send(grace, legacy, eyesonEvents.uploadReady('rec-l1')).expect(200);
    } finally {
      await grace.close();
    }
  });

  it('revokes one URL: its deliveries are refused from then on, other URLs still pass', async () => {
    const url = await mint(t, 'call-revoked');
    const other = await mint(t, 'call-kept');
    await send(t, pathOfUrl(url), eyesonEvents.uploadFailed('rec-v1')).expect(200);

    const res = await revoke(url).expect(200);
    expect(res.body).toEqual({ reference: 'call-revoked', expiresAt: expect.any(String), revoked: true });
    await revoke(url).expect(200);

    const refused = await send(t, pathOfUrl(url), eyesonEvents.uploadReady('rec-v1')).expect(401);
    expect(refused.body.code).toBe('token-revoked');
    await send(t, pathOfUrl(other), eyesonEvents.uploadReady('rec-v2')).expect(200);
    const { rows } = await t.db.query(
      `SELECT reference, expires_at FROM eyeson_revoked_callback_urls WHERE reference = 'call-revoked'`,
    );
    expect(rows).toEqual([{ reference: 'call-revoked', expires_at: new Date(res.body.expiresAt) }]);
  });

  it.each([
    ['a URL of no callback', 'https://example.com/elsewhere'],
    ['a forged token', `http://x/webhooks/eyeson/${eyesonToken('call-1', 'some-other-secret-0123456789')}`],
  ])('refuses to revoke %s with 400', async (_what, url) => {
    const res = await revoke(url).expect(400);
    expect(res.body).toMatchObject({
      code: 'invalid-parameter',
      parameter: 'url',
      errors: [{ path: 'url', message: expect.stringMatching(/^url is not a callback URL/) }],
    });
  });

  it('answers 429 past the deliveries a minute one reference may make, storing nothing more', async () => {
    const path = pathOfUrl(await mint(t, 'call-flood'));
    for (let i = 0; i < 3; i++) await send(t, path, eyesonEvents.uploadFailed(`rec-fl${i}`)).expect(200);
    const before = await countRows(t, 'deliveries');
    const res = await send(t, path, eyesonEvents.uploadFailed('rec-fl3')).expect(429);
    expect(res.body.code).toBe('too-many-requests');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await countRows(t, 'deliveries')).toBe(before);
    // Another call's URL has its own budget.
    await send(t, pathOfUrl(await mint(t, 'call-calm')), eyesonEvents.uploadFailed('rec-c1')).expect(200);
  });
});
