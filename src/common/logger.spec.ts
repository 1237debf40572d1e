import { Writable } from 'node:stream';
import { createLogger } from 'src/common/logger';
import 'src/providers/providers';

/** A logger writing into memory, one parsed JSON object per line. */
function capture(level: 'info' | 'debug' = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ log: { level, pretty: false } }, stream);
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes structured JSON lines with level label, ISO time and service name', () => {
    const { logger, lines } = capture();
    logger.info({ requestId: 'r-1', provider: 'wms', outcome: 'accepted', durationMs: 3.2 }, 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'hooktrail',
      requestId: 'r-1',
      provider: 'wms',
      outcome: 'accepted',
      durationMs: 3.2,
      msg: 'request',
    });
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
  });

  it('honours the configured level', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.info('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });

  it.each([
    ['an Authorization header', { req: { headers: { authorization: 'Bearer key-123' } } }, 'key-123'],
    ['a capitalised Authorization header', { headers: { Authorization: 'Bearer key-456' } }, 'key-456'],
    ['a Millicast signature header', { headers: { 'x-millicast-signature': 'sha1=abc123' } }, 'abc123'],
    ['a WMS MAC header', { req: { headers: { 'x-wms-content-mac': 'hmac-sha256=def456' } } }, 'def456'],
    ['a Perculus body token', { payload: { token: '1700000000|cafebabe' } }, 'cafebabe'],
    ['a top-level token', { token: 'top-secret-token' }, 'top-secret-token'],
    ['a signature field', { signature: 'sig-789' }, 'sig-789'],
    ['a metrics token list', { metrics: { tokens: ['metrics-token-1'] } }, 'metrics-token-1'],
    [
      'provider secrets deep in the config',
      { config: { providers: { wms: { secrets: ['wms-secret-1', 'wms-secret-2'] } } } },
      'wms-secret-',
    ],
    ['API keys', { config: { apiKeys: ['api-key-abc'] } }, 'api-key-abc'],
    ['a password', { db: { password: 'pg-password' } }, 'pg-password'],
    ['a cookie', { req: { headers: { cookie: 'session=s3cr3t' } } }, 's3cr3t'],
    ['an Eyeson callback URL', { data: { webhook_url: 'https://h/webhooks/eyeson/abc.mac' } }, 'abc.mac'],
  ])('redacts %s', (_what, object, secret) => {
    const { logger, lines } = capture();
    logger.info(object, 'something happened');
    const written = JSON.stringify(lines[0]);
    expect(written).not.toContain(secret);
    expect(written).toContain('[redacted]');
  });

  it('keeps the rest of a redacted object readable', () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'a/b' } } });
    expect(lines[0].req).toEqual({
      method: 'POST',
      headers: { authorization: '[redacted]', 'content-type': 'a/b' },
    });
  });

  it('redacts a key three levels below the top, where nested log objects put it', () => {
    const { logger, lines } = capture();
    logger.info({ a: { b: { c: { secret: 'deep-secret' } } } });
    expect(JSON.stringify(lines[0])).not.toContain('deep-secret');
  });
});
