import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import type { AppConfig } from 'src/config/app-config';
import { registeredProviders } from 'src/config/provider-registry';

/**
 * Keys whose values are credentials (besides each provider's `redactKeys`), wherever they appear up to four levels deep (`token`, `req.token`,
 * `req.headers.authorization`, `config.providers.<name>.secrets`): pino replaces their values before a line is
 * written. Values inside free-text messages are not seen by redaction: log credentials never as text.
 */
const REDACTED_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'set-cookie',
  'signature',
  'token',
  'tokens',
  'accessToken',
  'secret',
  'secrets',
  'password',
  'apiKey',
  'apiKeys',
  'databaseUrl',
  'connectionString',
];

const pathSegment = (key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

/** The pino redaction paths of the core's keys and the registered providers' own (`redactKeys`). */
export function redactedPaths(): string[] {
  const keys = new Set([...REDACTED_KEYS, ...registeredProviders().flatMap((p) => p.redactKeys ?? [])]);
  return [...keys].flatMap((key) =>
    ['', '*', '*.*', '*.*.*'].map((prefix) => `${prefix}${pathSegment(key)}`.replace(/^\./, '')),
  );
}

/**
 * Pretty, human-readable lines through pino-pretty (a dev dependency, in a worker thread) when LOG_PRETTY is
 * on and it is installed; JSON otherwise (production images do not ship it), with a warning.
 */
function prettyDestination(): pino.DestinationStream | null {
  try {
    require.resolve('pino-pretty');
  } catch {
    return null;
  }
  return pino.transport({
    target: 'pino-pretty',
    options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
  });
}

export function createLogger(config: Pick<AppConfig, 'log'>, destination?: pino.DestinationStream): Logger {
  const pretty = destination === undefined && config.log.pretty ? prettyDestination() : null;
  const logger = pino(
    {
      level: config.log.level,
      base: { service: 'hooktrail' },
      redact: { paths: redactedPaths(), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pretty ?? pino.destination({ sync: false }),
  );
  if (config.log.pretty && destination === undefined && pretty === null) {
    logger.warn('LOG_PRETTY is on but pino-pretty is not installed (a dev dependency): logging JSON');
  }
  return logger;
}

/** Nest's logger interface over pino, so framework messages are structured JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    if (typeof message === 'object' && message !== null) this.logger.error({ context, trace, ...message });
    else this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(
    level: 'info' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    context?: string,
  ): void {
    if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...message });
    else this.logger[level]({ context }, String(message));
  }
}
