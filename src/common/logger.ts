import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
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
    // Colour only for a terminal: escape codes in a file or a pipe are noise.
    options: {
      colorize: process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
    },
  });
}

export function createLogger(
  config: { log: Pick<AppConfig['log'], 'level' | 'pretty'> },
  destination?: pino.DestinationStream,
): Logger {
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

/**
 * Nest's logger over pino (nestjs-pino), with the framework's start-up chatter (one line per module and per
 * route) demoted to debug: the service prints its own banner instead.
 */
export class NestLogger extends NestPinoLogger {
  override log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    if (typeof context === 'string' && STARTUP_CONTEXTS.has(context)) super.debug(message, ...params);
    else super.log(message, ...params);
  }
}

const STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** Nest's logger for an app logging through `logger`. */
export function nestLogger(logger: Logger): NestLogger {
  return new NestLogger(new PinoLogger({ pinoHttp: { logger } }), {});
}
