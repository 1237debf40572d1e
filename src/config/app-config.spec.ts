import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from 'src/config/app-config';
import { InvalidConfigError } from 'src/config/env-readers';
import 'src/providers/providers';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.messages;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('starts with safe defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      publicBaseUrl: 'http://localhost:3000',
      webhookBodyLimitBytes: 1024 * 1024,
      apiKeys: [],
      database: { url: undefined, embedded: { dataDir: '.data/postgres', port: 54329 }, poolSize: 10 },
      projector: { batchSize: 500, pollMs: 500, listen: true, gatherMs: 50 },
      eventsStreamDrainTimeoutSeconds: 30,
    });
    // No secret means the provider is disabled, never open.
    expect(Object.values(config.providers).every((p) => p.secrets.length === 0)).toBe(true);
  });

  it('reads comma-separated secret lists, trimming blanks, so rotation can keep several', () => {
    const config = loadConfig({
      WMS_MAC_SECRETS: ' old-secret-1 , new-secret-2 ,',
      API_KEYS: 'k'.repeat(16),
    });
    expect(config.providers.wms.secrets).toEqual(['old-secret-1', 'new-secret-2']);
  });

  it('reads a secret list from a *_FILE path, one per line', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      const file = join(folder, 'secrets');
      writeFileSync(file, 'first-secret-value\nsecond-secret-value\n');
      expect(loadConfig({ PERCULUS_WEBHOOK_SECRETS_FILE: file }).providers.perculus.secrets).toEqual([
        'first-secret-value',
        'second-secret-value',
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true }); // a secrets file is never left behind
    }
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: must be a whole number, got "eighty"'],
    [{ PORT: '70000' }, 'PORT: must be between 0 and 65535, got 70000'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must use postgres: or postgresql:, got "mysql:"'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL: is not a valid URL'],
    [
      { WEBHOOK_BODY_LIMIT: 'huge' },
      'WEBHOOK_BODY_LIMIT: must be a size like 1048576, 512kb or 5mb, got "huge"',
    ],
    [{ API_KEYS: 'short' }, 'API_KEYS: entry 1 is shorter than 16 characters'],
    [{ WMS_MAC_SECRETS: 'x' }, 'WMS_MAC_SECRETS: entry 1 is shorter than 8 characters'],
    [
      { MILLICAST_WEBHOOK_SECRETS: 'not base64 at all!' },
      'MILLICAST_WEBHOOK_SECRETS: entry 1 is not valid base64',
    ],
    [
      { EYESON_LEGACY_URLS_UNTIL: '2027-01-31' },
      'EYESON_LEGACY_URLS_UNTIL: must be an ISO 8601 instant with a zone, like 2027-01-31T00:00:00Z, got "2027-01-31"',
    ],
    [
      { EYESON_CALLBACK_URL_TTL_DAYS: '0' },
      'EYESON_CALLBACK_URL_TTL_DAYS: must be between 1 and 3650, got 0',
    ],
    [{ PROJECTOR_GATHER_MS: '-1' }, 'PROJECTOR_GATHER_MS: must be between 0 and 1000, got -1'],
    [{ PERCULUS_TOKEN_ALGORITHM: 'md5' }, 'PERCULUS_TOKEN_ALGORITHM: must be one of sha256, sha1, got "md5"'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [{ API_KEYS_FILE: '/nonexistent/keys' }, 'API_KEYS_FILE: cannot read /nonexistent/keys (ENOENT)'],
    [
      { API_KEYS: 'k'.repeat(16), API_KEYS_FILE: '/x' },
      'API_KEYS: set either API_KEYS or API_KEYS_FILE, not both',
    ],
    [
      { WEBHOOK_BODY_LIMIT: '512kb', MILLICAST_THUMBNAIL_MAX_BYTES: '1mb' },
      'MILLICAST_THUMBNAIL_MAX_BYTES: must not exceed WEBHOOK_BODY_LIMIT (524288 bytes)',
    ],
  ])('refuses %j with a clear message', (env, message) => {
    expect(problems(env)).toContain(message);
  });

  it('lowers the default thumbnail limit to the webhook body limit', () => {
    expect(loadConfig({ WEBHOOK_BODY_LIMIT: '2kb' }).providers.millicast.thumbnailMaxBytes).toBe(2048);
    expect(loadConfig({}).providers.millicast.thumbnailMaxBytes).toBe(1024 * 1024);
  });

  it('refuses base64 secrets that are invalid or decode to fewer than 16 bytes, listing every one', () => {
    // Lenient decoding once made "!!!!!!!!!!!!" an empty key, and 8 characters (6 bytes) a valid secret.
    const sixteen = Buffer.alloc(16, 7).toString('base64');
    expect(
      problems({
        WMS_MAC_SECRET_ENCODING: 'base64',
        WMS_MAC_SECRETS: `!!!!!!!!!!!!,${sixteen},c2hvcnRrZXk=`,
        MILLICAST_WEBHOOK_SECRETS: `QUJDREVGR0g=,${sixteen}x,${sixteen.replace('==', '')}`,
      }),
    ).toEqual([
      'MILLICAST_WEBHOOK_SECRETS: entry 1 decodes to 8 bytes; at least 16 are required',
      'MILLICAST_WEBHOOK_SECRETS: entry 2 is not valid base64',
      'WMS_MAC_SECRETS: entry 1 is not valid base64',
      'WMS_MAC_SECRETS: entry 3 decodes to 8 bytes; at least 16 are required',
    ]);
  });

  it('decodes base64 secrets into their key bytes, padded or not', () => {
    const key = Buffer.alloc(16, 7);
    const config = loadConfig({
      WMS_MAC_SECRET_ENCODING: 'base64',
      WMS_MAC_SECRETS: key.toString('base64'),
      MILLICAST_WEBHOOK_SECRETS: key.toString('base64').replace(/=+$/, ''),
    });
    expect(config.providers.wms.keys).toEqual([key]);
    expect(config.providers.millicast.keys).toEqual([key]);
  });

  it('reports every problem at once', () => {
    expect(problems({ PORT: 'x', LOG_LEVEL: 'y', DB_POOL_SIZE: '0' })).toHaveLength(3);
  });
});
