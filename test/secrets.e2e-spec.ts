import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger } from 'src/common/logger';
import { loadConfig } from 'src/config/app-config';
import { createHttpApp, runMigrations } from 'src/http-app';
import { createTestDatabase, TEST_API_KEY, TEST_ENV } from './support/test-app';
import { send, WebhookRequest, WEBHOOK_ROUTES } from './support/webhook-routes';

const WRONG_API_KEY = 'presented-but-wrong-api-key-6f1d2c';

/** The credential inside a request: the MAC of a signature header, callback-URL token or body token. */
function credentialOf(request: WebhookRequest): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (/signature|mac/i.test(name))
      for (const v of [value].flat()) found.push(v, v.slice(v.indexOf('=') + 1));
  }
  const eyeson = /^\/webhooks\/eyeson\/[^.]+\.(.+)$/.exec(request.path);
  if (eyeson) found.push(eyeson[1]);
  const token = /"token":"(\d+)\|([^"]+)"/.exec(request.body.toString('utf8'));
  if (token) found.push(`${token[1]}|${token[2]}`, token[2]);
  return found.filter((c) => c.length >= 16);
}

describe('secrets, API keys and signatures', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  let drop: () => Promise<void>;
  const logLines: string[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    const config = loadConfig({ ...TEST_ENV, LOG_LEVEL: 'trace', DATABASE_URL: database.url, PORT: '0' });
    // Everything the service logs, at the most verbose level, into memory.
    const logger = createLogger(config, { write: (line: string) => void logLines.push(line) });
    app = await createHttpApp(config, database.url, logger);
    await runMigrations(app, logger);
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await app.close();
    await drop();
  });

  it('never appear in logs or in any response, for valid and invalid requests alike', async () => {
    const credentials = new Set<string>();
    const responses: string[] = [];
    const record = (status: number, headers: Headers | Record<string, unknown>, text: string) =>
      responses.push(
        `${status} ${JSON.stringify(headers instanceof Headers ? [...headers] : headers)} ${text}`,
      );

    const requests: WebhookRequest[] = [];
    for (const route of WEBHOOK_ROUTES) {
      const valid = route.signEvent(route.event('secrets', 1));
      requests.push(valid, route.signEvent(route.event('secrets', 2)));
      requests.push(
        ...route.signatureCases(route.signEvent(route.event('secrets', 3))).map((c) => c.request),
      );
      requests.push(route.signEvent({ ...route.event('secrets', 4), [route.fields.date]: 'not a date' }));
      requests.push({ ...valid, path: `${valid.path}/extra` });
    }
    for (const request of requests) {
      for (const c of credentialOf(request)) credentials.add(c);
      const res = await send(baseUrl, request);
      record(res.status, {}, res.text);
      expect(res.status).toBeLessThan(500);
    }

    const api = async (path: string, key: string | null) => {
      const res = await fetch(`${baseUrl}${path}`, {
        headers: key === null ? {} : { Authorization: `Bearer ${key}` },
      });
      const text = await res.text();
      record(res.status, res.headers, text);
      return res.status;
    };
    for (const provider of WEBHOOK_ROUTES.map((r) => r.provider)) {
      expect(await api(`/api/deliveries?provider=${provider}`, TEST_API_KEY)).toBe(200);
      expect(await api(`/api/events?provider=${provider}`, TEST_API_KEY)).toBe(200);
      expect(await api(`/api/sessions?provider=${provider}`, TEST_API_KEY)).toBe(200);
    }
    expect(await api('/api/recordings', TEST_API_KEY)).toBe(200);
    expect(await api('/api/measurements', TEST_API_KEY)).toBe(200);
    expect(await api('/api/events', WRONG_API_KEY)).toBe(401);
    expect(await api('/api/events', null)).toBe(401);
    expect(await api('/metrics', WRONG_API_KEY)).toBe(401);
    expect(await api('/health/ready', null)).toBe(200);

    const secrets = [
      TEST_API_KEY,
      WRONG_API_KEY,
      TEST_ENV.WMS_MAC_SECRETS,
      TEST_ENV.MILLICAST_WEBHOOK_SECRETS,
      Buffer.from(TEST_ENV.MILLICAST_WEBHOOK_SECRETS, 'base64').toString('utf8'),
      TEST_ENV.PERCULUS_WEBHOOK_SECRETS,
      TEST_ENV.EYESON_CALLBACK_SECRETS,
      ...credentials,
    ];
    expect(credentials.size).toBeGreaterThan(10);
    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThan(requests.length); // access lines at least: the capture works
    const leaks = (text: string) => secrets.filter((s) => text.includes(s));
    expect({ inLogs: leaks(logs), inResponses: leaks(responses.join('\n')) }).toEqual({
      inLogs: [],
      inResponses: [],
    });
  });
});
