import { parseArgs } from 'node:util';
import { defaultBaseUrl, EXAMPLE_ENV, firstOf } from './simulator/defaults';
import { DemoResult, runDemo } from './simulator/demo-day';
import { progressBar } from 'src/common/progress-bar';

const USAGE = `Replays a realistic day of webhooks from every provider against a running service, then prints
curl commands to look at the result.

usage: npm run demo -- [--url <base>] [--api-key <key>] [--delay <ms>] [--run <name>]

  --url       service base URL (default: HOOKTRAIL_URL, else http://localhost:$PORT or :3000)
  --api-key   API key, for scenes that call the API first (default: first of API_KEYS, else .env.example's)
  --delay     pause between requests in ms (default 0)
  --run       a separate set of sessions: <name> is appended to every session id (default: the fixed ids
              that the README's examples use; run again, the demo sends another day to the same sessions)

Each provider signs with the first secret of the variable the service reads (as named in .env.example),
else with the value .env.example gives it.`;

function lookAround(result: DemoResult, baseUrl: string, apiKey: string): string {
  const auth = `-H "Authorization: Bearer $HOOKTRAIL_API_KEY"`;
  const get = (path: string, extra = '') => `curl -s ${auth} "${baseUrl}${path}"${extra}`;
  // The example key is no secret; a real one is never echoed.
  const lines = [
    apiKey === EXAMPLE_ENV.API_KEYS
      ? `export HOOKTRAIL_API_KEY=${apiKey}   # the example key from .env.example`
      : 'export HOOKTRAIL_API_KEY=<the API key you used>',
    '',
    '# every session of the day, newest first, and one provider at a time',
    get('/api/sessions'),
  ];
  for (const scene of result.lookAround) {
    lines.push('', `# ${scene.title}`, ...scene.paths.map((path) => get(path)));
    for (const download of scene.downloads ?? []) lines.push(get(download.path, ` -o ${download.file}`));
  }
  lines.push(
    '',
    '# the raw inbox, and what the service counted (needs METRICS_TOKEN instead when that is set)',
    get('/api/deliveries'),
    `${get('/metrics')} | grep hooktrail_webhook_deliveries_total`,
  );
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      delay: { type: 'string', default: '0' },
      run: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const baseUrl = (values.url ?? defaultBaseUrl(process.env)).replace(/\/+$/, '');
  const apiKey = values['api-key'] ?? firstOf(process.env, 'API_KEYS', EXAMPLE_ENV.API_KEYS);
  const delayMs = Number(values.delay);
  if (!Number.isInteger(delayMs) || delayMs < 0) {
    process.stderr.write(`--delay: not a whole number of milliseconds: ${values.delay}\n`);
    return 64;
  }
  // Session ids, stream names and Eyeson references all take letters, digits and dashes.
  if (values.run !== undefined && !/^[A-Za-z0-9-]{1,32}$/.test(values.run)) {
    process.stderr.write(`--run: letters, digits and dashes only (at most 32): ${values.run}\n`);
    return 64;
  }
  const progress = progressBar(process.stdout);
  process.stdout.write(`Replaying a day of webhooks against ${baseUrl}\n`);
  let result: DemoResult;
  try {
    result = await runDemo({
      baseUrl,
      apiKey,
      env: process.env,
      delayMs,
      runId: values.run,
      onProgress: ({ done, total, step, response }) =>
        progress(done, total, `${step.label} → ${response.status}`, response.status >= 300),
    });
  } catch (err) {
    process.stderr.write(
      `\nthe demo could not run against ${baseUrl}: ${(err as Error).message}\n` +
        'Is the service running with the same secrets and API key? (npm run start:demo uses .env.example)\n',
    );
    return 69; // EX_UNAVAILABLE
  }

  process.stdout.write(`\nSent ${result.total} webhooks:\n`);
  for (const [provider, counts] of Object.entries(result.outcomes)) {
    const text = Object.entries(counts)
      .map(([outcome, n]) => `${n} ${outcome}`)
      .join(', ');
    process.stdout.write(`  ${provider.padEnd(10)} ${text}\n`);
  }
  for (const f of result.failures)
    process.stdout.write(`  ! ${f.label}: HTTP ${f.status} ${f.body.slice(0, 300)}\n`);
  process.stdout.write(`\nLook at the data:\n\n${lookAround(result, baseUrl, apiKey)}\n`);
  return result.failures.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
