import { Client } from 'pg';
import { StartupError } from 'src/common/startup-error';
import { isDatabaseUnavailable } from 'src/database/db-errors';

/** `postgres://user:***@host:port/db`: a connection string fit for a log line. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<not a URL>';
  }
}

function hostOf(url: string): string {
  try {
    const { hostname, port } = new URL(url);
    return `${hostname}:${port || '5432'}`;
  } catch {
    return 'unknown host';
  }
}

/** The cause in words, never the connection string (pg's messages name host and user, not the password). */
function causeOf(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

export interface ProbeOptions {
  /** Which variable the URL came from, to name it in the message. */
  variable: string;
  connectTimeoutMs: number;
  attempts: number;
  delayMs: number;
  onRetry?: (attempt: number, cause: string) => void;
}

/**
 * Connects once (bounded: `attempts` tries, `delayMs` apart, each within `connectTimeoutMs`) before the
 * application is built, so that a wrong or unreachable database is one clear line rather than the ORM's
 * retry stack traces. Only "cannot reach it now" errors are retried; a wrong password or a missing
 * database fails at once. Throws a StartupError whose message names the host and the cause, password redacted.
 */
export async function waitForDatabase(url: string, options: ProbeOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs });
    client.on('error', () => undefined); // a late socket error after a failed connect is not news
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      const cause = causeOf(err);
      if (attempt >= options.attempts || !isDatabaseUnavailable(err)) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
        throw new StartupError(
          `cannot reach the database at ${hostOf(url)}${tries} (${options.variable}=${redactDatabaseUrl(url)}): ${cause}`,
        );
      }
      options.onRetry?.(attempt, cause);
      await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    }
  }
}
