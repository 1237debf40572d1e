import { parseArgs } from 'node:util';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import { REPLAYABLE_STATUSES, ReplayableStatus, ReplayOptions } from 'src/replay/replay';

/** The usage text, naming the registered providers. */
export const replayUsage =
  (): string => `Usage: npm run replay -- --provider <${PROVIDER_NAMES.join('|')}> --since <ISO date-time>
                        [--status rejected,failed] [--until <ISO date-time>] [--limit <n>] [--dry-run]

Re-processes stored deliveries (status rejected and/or failed, received in [since, until)) through the
current code, oldest first. Idempotent: run it again and nothing changes. --dry-run reports what would
happen without writing. Uses DATABASE_URL (or the embedded Postgres of a running \`npm start\`).`;

export class ReplayUsageError extends Error {}

/** An ISO 8601 date (`2024-05-01`) or date-time with a zone (`2024-05-01T12:00:00Z`, `...+02:00`). */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

function isoDate(name: string, value: string): Date {
  const date = new Date(value);
  if (!ISO.test(value) || Number.isNaN(date.getTime())) {
    throw new ReplayUsageError(`--${name} must be an ISO 8601 date or date-time with a zone, got "${value}"`);
  }
  return date;
}

const OPTIONS = {
  provider: { type: 'string', multiple: true },
  status: { type: 'string', multiple: true },
  since: { type: 'string', multiple: true },
  until: { type: 'string', multiple: true },
  limit: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
} as const;

/** Reads `--name value` / `--name=value` with `util.parseArgs`, as `npm run send` does; one value per name. */
function readArgs(argv: readonly string[]): { values: Map<string, string>; dryRun: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ReplayUsageError(err instanceof Error ? err.message : String(err));
  }
  const values = new Map<string, string>();
  for (const [name, given] of Object.entries(parsed.values)) {
    if (typeof given === 'boolean' || given === undefined) continue;
    if (given.length > 1) throw new ReplayUsageError(`--${name} is given twice`);
    if (given[0] === '') throw new ReplayUsageError(`--${name} needs a value`);
    values.set(name, given[0]);
  }
  return { values, dryRun: parsed.values['dry-run'] === true };
}

/** Parses the replay command line; throws ReplayUsageError. */
export function parseReplayArgs(argv: readonly string[]): ReplayOptions {
  const { values, dryRun } = readArgs(argv);
  const provider = values.get('provider');
  if (provider === undefined) throw new ReplayUsageError('--provider is required');
  if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new ReplayUsageError(`--provider must be one of ${PROVIDER_NAMES.join(', ')}, got "${provider}"`);
  }
  const sinceText = values.get('since');
  if (sinceText === undefined) throw new ReplayUsageError('--since is required (e.g. --since 2024-05-01)');
  const since = isoDate('since', sinceText);
  const untilText = values.get('until');
  const until = untilText === undefined ? undefined : isoDate('until', untilText);
  if (until !== undefined && until <= since) throw new ReplayUsageError('--until must be after --since');

  const statuses = (values.get('status') ?? REPLAYABLE_STATUSES.join(',')).split(',').map((s) => s.trim());
  for (const status of statuses) {
    if (!(REPLAYABLE_STATUSES as readonly string[]).includes(status)) {
      throw new ReplayUsageError(
        `--status must be rejected, failed or both (comma-separated), got "${status}"`,
      );
    }
  }

  const limitText = values.get('limit');
  let limit: number | undefined;
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1) {
      throw new ReplayUsageError(`--limit must be a whole number of at least 1, got "${limitText}"`);
    }
    limit = Number(limitText);
  }

  return {
    provider: provider,
    statuses: [...new Set(statuses)] as ReplayableStatus[],
    since,
    ...(until === undefined ? {} : { until }),
    ...(limit === undefined ? {} : { limit }),
    dryRun,
  };
}
