import { loadConfig } from 'src/config/app-config';
import { InvalidConfigError } from 'src/config/env-readers';
import 'src/providers/providers';

function errorsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.messages;
    throw err;
  }
}

describe('retention configuration', () => {
  it('keeps inbox bodies 90 days and thumbnails (capped) forever by default, and checks hourly', () => {
    expect(loadConfig({}).retention).toEqual({ inboxBodyDays: 90, thumbnailDays: 0, intervalSeconds: 3600 });
  });

  it('reads body and thumbnail retention in days and the interval in seconds', () => {
    const config = loadConfig({
      INBOX_BODY_RETENTION_DAYS: '30',
      THUMBNAIL_RETENTION_DAYS: '7',
      RETENTION_INTERVAL_SECONDS: '600',
    });
    expect(config.retention).toEqual({ inboxBodyDays: 30, thumbnailDays: 7, intervalSeconds: 600 });
  });

  it.each([
    ['INBOX_BODY_RETENTION_DAYS', '-1', 'INBOX_BODY_RETENTION_DAYS: must be between 0 and 36500, got -1'],
    ['INBOX_BODY_RETENTION_DAYS', '30d', 'INBOX_BODY_RETENTION_DAYS: must be a whole number, got "30d"'],
    ['THUMBNAIL_RETENTION_DAYS', '1.5', 'THUMBNAIL_RETENTION_DAYS: must be a whole number, got "1.5"'],
    ['RETENTION_INTERVAL_SECONDS', '0', 'RETENTION_INTERVAL_SECONDS: must be between 1 and 604800, got 0'],
    [
      'RETENTION_INTERVAL_SECONDS',
      '999999999',
      'RETENTION_INTERVAL_SECONDS: must be between 1 and 604800, got 999999999',
    ],
  ])('refuses %s=%s with a clear message', (name, value, message) => {
    expect(errorsOf({ [name]: value })).toEqual([message]);
  });
});
