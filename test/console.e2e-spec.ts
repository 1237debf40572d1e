import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import type { Page } from 'playwright-core';
import { runDemo, type DemoIds } from '../scripts/simulator/demo-day';
import { send as simSend } from '../scripts/simulator/http-client';
import { millicastStream } from 'src/providers/millicast/millicast.simulator';
import { PROVIDERS } from 'src/providers/providers';
import { wmsMeasurementId, wmsRequest } from 'src/providers/wms/wms.simulator';
import { launchBrowser, type Browser } from './support/browser';
import { ServiceProcess } from './support/child-servers';
import { waitForBacklog } from './support/projection';
import { storeRejected } from './support/stored-deliveries';
import { createTestDatabase, TEST_API_KEY, TEST_ENV } from './support/test-app';

/**
 * The console in a real browser (Debian's chromium through playwright-core) against the real service in
 * its own process, after the demo day filled it. Screenshots of every page, at desktop and phone width, go
 * to CONSOLE_SCREENSHOTS (`npm run screenshots` sets docs/console, which the README shows), else to a
 * temporary folder.
 */
const READ_KEY = 'console-read-key-0123456789abcdef';
const SHOTS = process.env.CONSOLE_SCREENSHOTS
  ? resolve(process.env.CONSOLE_SCREENSHOTS)
  : mkdtempSync(join(tmpdir(), 'hooktrail-console-shots-'));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const WAIT = { timeout: 15_000 };

jest.setTimeout(180_000);

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor(WAIT);
}

/** The choices of a filter form's provider select, once the registered providers have loaded. */
async function providerChoices(page: Page, form: string): Promise<string[]> {
  const options = page.locator(`form[aria-label="${form}"] select[name="provider"] option`);
  await options.nth(PROVIDERS.length).waitFor({ state: 'attached', ...WAIT });
  return options.allTextContents();
}

/**
 * Pixels of the canvas within `selector` close to colour `rgb`: proof that marks of that colour were drawn.
 * (Page code is passed as text: this project compiles without the DOM's types.)
 */
function countPixels(page: Page, selector: string, [r, g, b]: [number, number, number]): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    if (!canvas) return -1;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const d = Math.abs(data[i] - ${r}) + Math.abs(data[i + 1] - ${g}) + Math.abs(data[i + 2] - ${b});
      if (d < 30 && data[i + 3] > 200) n++;
    }
    return n;
  })()`);
}

const INFO_BLUE: [number, number, number] = [0x15, 0x65, 0xc0];
const WARNING_AMBER: [number, number, number] = [0xb2, 0x6a, 0x00];
const LATE_PURPLE: [number, number, number] = [0x8e, 0x24, 0xaa];

describe('the console in a browser', () => {
  let service: ServiceProcess;
  let database: { url: string; drop(): Promise<void> };
  let db: Pool;
  let browser: Browser;
  let ids: DemoIds;
  let wmsStart: number;
  const wmsSession = () => ids.sessions.wms;
  const requested: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    database = await createTestDatabase();
    service = await ServiceProcess.start(database.url, {
      LOG_LEVEL: 'info',
      API_READ_KEYS: READ_KEY,
      EVENTS_STREAM_HEARTBEAT_SECONDS: '5',
    });
    db = new Pool({ connectionString: database.url, max: 2 });
    const demo = await runDemo({ baseUrl: service.baseUrl, apiKey: TEST_API_KEY, env: TEST_ENV });
    expect(demo.failures).toEqual([]);
    ids = demo.ids;
    await waitForBacklog(service.baseUrl);
    const first = (await (
      await fetch(`${service.baseUrl}/api/sessions/wms/${wmsSession()}/events?limit=1`, {
        headers: { Authorization: `Bearer ${TEST_API_KEY}` },
      })
    ).json()) as { items: Array<{ occurredAt: string }> };
    wmsStart = Date.parse(first.items[0].occurredAt) / 1000;
    // A late event: its provider time is 12 s into the measurement, but it arrives after all the others.
    const late = await simSend(
      service.baseUrl,
      wmsRequest(
        {
          timestamp: wmsStart + 12,
          sessionId: wmsSession(),
          sequence: 13,
          event: 'PAGE_VISIBILITY_CHANGE',
          severity: 'WARNING',
          payload: { measurementId: wmsMeasurementId(wmsSession()), state: 'HIDDEN' },
        },
        { secret: TEST_ENV.WMS_MAC_SECRETS, env: TEST_ENV },
      ),
    );
    expect(late.status).toBe(200);
    await waitForBacklog(service.baseUrl);
    browser = await launchBrowser(DESKTOP);
    browser.context.on('request', (r) => requested.push(r.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await service?.stop();
    await database?.drop();
    // A plain test run keeps no files; `npm run screenshots` (CONSOLE_SCREENSHOTS) keeps its pictures.
    if (!process.env.CONSOLE_SCREENSHOTS) rmSync(SHOTS, { recursive: true, force: true });
  });

  /** A WMS result an older version refused: the exact signed request, stored as rejected. */
  function storeRefusedResult(sequence: number, snr: number): Promise<string> {
    const request = wmsRequest(
      {
        timestamp: wmsStart + 47 + sequence,
        sessionId: wmsSession(),
        sequence,
        event: 'INTERMEDIATE_RESULTS',
        severity: 'INFO',
        payload: { measurementId: wmsMeasurementId(wmsSession()), snr, sequence: sequence - 10 },
      },
      { secret: TEST_ENV.WMS_MAC_SECRETS, env: TEST_ENV },
    );
    return storeRejected(db, 'wms', { ...request, body: Buffer.from(request.body) });
  }

  it('shows a session story, replays a rejected delivery, shows the new event live; a read key cannot replay', async () => {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    await page.goto(`${service.baseUrl}/console`);
    await page.getByLabel('API key').waitFor(WAIT);
    await shot(page, 'sign-in');
    await signIn(page, service.baseUrl, TEST_API_KEY);
    await page.getByRole('link', { name: wmsSession() }).waitFor(WAIT);
    await page.getByText('Live', { exact: true }).first().waitFor(WAIT);
    // The provider filters offer what the service registered (GET /api/providers), not a list of their own.
    const registered = ['any', ...PROVIDERS.map((p) => p.name)];
    expect(await providerChoices(page, 'Filter sessions')).toEqual(registered);
    expect(requested.map((u) => new URL(u).pathname)).toContain('/api/providers');
    await shot(page, 'sessions');

    // The session the demo filled: state, timeline marks (info blue, the late one amber and ringed), SNR plot.
    await page.getByRole('link', { name: wmsSession() }).click();
    await page.getByText('14 events').waitFor(WAIT);
    await page.locator('.timeline canvas').waitFor(WAIT);
    expect(await page.locator('.state').textContent()).toContain('redirected');
    expect(await countPixels(page, '.timeline canvas', INFO_BLUE)).toBeGreaterThan(100);
    expect(await countPixels(page, '.timeline canvas', WARNING_AMBER)).toBeGreaterThan(10);
    expect(await countPixels(page, '.timeline canvas', LATE_PURPLE)).toBeGreaterThan(10);
    expect(await page.locator('.timeline .chart').getAttribute('aria-label')).toContain('1 arrived late');
    const snrChart = page.locator('.card', { hasText: 'Measurement' }).locator('canvas');
    await snrChart.waitFor(WAIT);
    expect(await countPixels(page, '.card canvas', INFO_BLUE)).toBeGreaterThan(50);
    const snrRow = page.locator('.card table.list tbody tr', { hasText: 'snr' });
    expect(await snrRow.locator('td').nth(1).textContent()).toBe('3');

    // Hovering the chart shows an event's payload; the late one is marked in the list and its detail.
    const over = page.locator('.timeline .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('.timeline .detail pre').waitFor(WAIT);
    await page.locator('.vlist button', { hasText: 'late' }).click();
    const detail = page.locator('.timeline .detail');
    await detail.getByText('arrived late').waitFor(WAIT);
    expect(await detail.locator('pre').textContent()).toContain('"state": "HIDDEN"');
    await shot(page, 'session');

    // A second tab replays a rejected delivery; the session page above shows its event live.
    const rejectedId = await storeRefusedResult(14, 11);
    const operator = await browser.context.newPage();
    await signIn(operator, service.baseUrl, TEST_API_KEY);
    await operator.getByRole('link', { name: 'Deliveries' }).click();
    await operator.getByRole('button', { name: `Open delivery ${rejectedId}` }).click();
    const opened = operator.locator('.detail');
    await opened.getByText('validation-failed: refused by an older version').waitFor(WAIT);
    expect(await opened.locator('pre[aria-label="Body"]').textContent()).toContain('"snr": 11');
    expect(await providerChoices(operator, 'Filter deliveries')).toEqual(registered);
    await shot(operator, 'deliveries');
    await operator.getByRole('button', { name: 'Replay this delivery' }).click();
    await operator.getByText('1 selected: 1 accepted.').waitFor(WAIT);

    await page.getByText('15 events').waitFor(WAIT);
    await page
      .locator('.card table.list tbody tr', { hasText: 'snr' })
      .getByText('4', { exact: true })
      .waitFor(WAIT);

    // A read key sees the inbox but cannot replay; the delivery stays rejected.
    const refusedId = await storeRefusedResult(15, 12);
    await operator.getByRole('button', { name: 'Sign out' }).click();
    await operator.getByLabel('API key').fill(READ_KEY);
    await operator.getByRole('button', { name: 'Sign in' }).click();
    await operator.getByRole('link', { name: 'Deliveries' }).click();
    await operator.getByRole('button', { name: `Open delivery ${refusedId}` }).click();
    await operator.getByRole('button', { name: 'Replay this delivery' }).click();
    await operator.getByText(/^Not allowed: This API key may only read/).waitFor(WAIT);
    const { rows } = await db.query<{ status: string }>('SELECT status FROM deliveries WHERE id = $1', [
      refusedId,
    ]);
    expect(rows[0].status).toBe('rejected');

    // The Millicast stream page shows the latest thumbnail (fetched with the key, shown from a blob: URL).
    await page.getByRole('link', { name: 'Streams' }).click();
    const thumb = page.getByRole('img', {
      name: `Latest thumbnail of stream ${millicastStream(ids.sessions.millicast).streamId}`,
    });
    await thumb.waitFor(WAIT);
    expect(
      await page.evaluate(
        `(() => { const img = document.querySelector('img.thumb'); return img.complete && img.naturalWidth > 0; })()`,
      ),
    ).toBe(true);
    await shot(page, 'streams');

    // The key was never in a URL, never in localStorage, never in the service's log; the replay was logged.
    for (const key of [TEST_API_KEY, READ_KEY]) {
      expect(requested.filter((u) => u.includes(key))).toEqual([]);
      expect(service.output()).not.toContain(key);
    }
    expect(await page.evaluate('localStorage.length')).toBe(0);
    const replayLog = service
      .output()
      .split('\n')
      .filter((l) => l.includes('replay requested'))
      .map((l) => JSON.parse(l) as { keyId: string; replay: { deliveryId: string } });
    expect(replayLog).toEqual([
      expect.objectContaining({
        keyId: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
        replay: expect.objectContaining({ deliveryId: rejectedId }),
      }),
    ]);
    expect(errors).toEqual([]);
    await operator.close();
  });

  it('fits a phone-width screen, with every page usable by keyboard', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize(PHONE);
    await page.goto(`${service.baseUrl}/console`);
    await page.getByLabel('API key').waitFor(WAIT);
    await shot(page, 'sign-in-phone');
    // Keyboard only: the key field has focus, Enter submits.
    await page.keyboard.type(TEST_API_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sessions' }).waitFor(WAIT);
    await shot(page, 'sessions-phone');
    const pages: Array<[string, string, string]> = [
      [`#/sessions/wms/${wmsSession()}`, '15 events', 'session-phone'],
      ['#/deliveries', 'Open delivery', 'deliveries-phone'],
      ['#/streams', 'Latest thumbnail', 'streams-phone'],
    ];
    for (const [hash, text, name] of pages) {
      await page.goto(`${service.baseUrl}/console${hash}`);
      await page
        .getByText(text)
        .or(page.getByRole('button', { name: text }))
        .or(page.getByRole('img', { name: text }))
        .first()
        .waitFor(WAIT);
      // Nothing wider than the screen (tables scroll inside their own box).
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      await shot(page, name);
    }
    // After a fresh load, the tab order starts with the skip link, then the main navigation.
    await page.reload();
    await page.getByRole('heading', { name: 'Millicast streams' }).waitFor(WAIT);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.close();
  });

  it('opens a session of 10,000 events: the first page is drawn at once, the rest follow', async () => {
    const session = 'bulk-10000-events';
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO sessions (provider, external_id, kind, status, started_at, first_event_at, last_event_at)
       VALUES ('wms', $1, 'session', 'measuring', now() - interval '3 hours', now() - interval '3 hours', now())
       RETURNING id`,
      [session],
    );
    await db.query(
      `INSERT INTO events (provider, idempotency_key, type, known, severity, occurred_at, sequence, received_at, session_id, payload, recorded_at)
       SELECT 'wms', $2 || i, (ARRAY['INTERMEDIATE_RESULTS','PAGE_VISIBILITY_CHANGE','CAMERA_STARTED','FACE_LOST','RESULTS_RECEIVED'])[1 + i % 5],
         true, (ARRAY['INFO','INFO','INFO','WARNING','ERROR'])[1 + (i / 5 * 3) % 5],
         now() - interval '3 hours' + i * interval '1 second', i,
         now() - interval '3 hours' + i * interval '1 second' + interval '200 milliseconds', $1,
         jsonb_build_object('sequence', i, 'snr', i % 13), clock_timestamp()
       FROM generate_series(0, 9999) i`,
      [rows[0].id, `${session}-`],
    );
    const page = await browser.context.newPage();
    await signIn(page, service.baseUrl, TEST_API_KEY);
    await page.goto('about:blank'); // a full page load below, the key kept by the tab
    const started = Date.now();
    await page.goto(`${service.baseUrl}/console#/sessions/wms/${session}`);
    await page.locator('.timeline canvas').waitFor(WAIT);
    await page.locator('.vlist button').first().waitFor(WAIT);
    const firstDrawnMs = Date.now() - started;
    await page.getByText('10000 events').waitFor({ timeout: 60_000 });
    const allLoadedMs = Date.now() - started;
    // Only the rows in view are in the page, whatever the session's size.
    expect(await page.locator('.vlist li').count()).toBeLessThan(40);
    process.stdout.write(
      `console: a session of 10,000 events: first page drawn in ${firstDrawnMs} ms, all loaded in ${allLoadedMs} ms\n`,
    );
    await shot(page, 'session-10000-events');
    await page.close();
  });
});
