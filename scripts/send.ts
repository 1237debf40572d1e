import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { defaultBaseUrl, EXAMPLE_ENV, firstOf } from './simulator/defaults';
import { deliveryOutcome, send } from './simulator/http-client';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import { SimRequest, UnknownEventError } from 'src/simulator/simulator.types';
import { simulatorFor } from './simulator/simulators';

const usage =
  (): string => `Sends one webhook, built and signed exactly as the provider does, prints the response, then
waits until the service has projected it (so that a query right after sees it) and says what became of it.

usage: npm run send -- <provider> <event> [options]
       npm run send -- <provider>            (lists the provider's events)

options:
  --url <base>        service base URL (default: HOOKTRAIL_URL, else http://localhost:$PORT or :3000)
  --secret <secret>   the provider's secret (default: first entry of its variable in the environment,
                      else the value in .env.example)
  --session <id>      the session/stream/call the event is about (default: a new one; pass the same one
                      to several sends to build up one session)
  --sequence <n>      the event's sequence number, for providers that number events (default: the
                      provider's own)
  --at <time>         when the event happened, ISO 8601 (default: now)
  --api-key <key>     API key to ask the service what became of the delivery (default: first of API_KEYS,
                      else .env.example's; without a valid key the answer is all that is printed)
  --dry-run           print the request instead of sending it

providers: ${PROVIDER_NAMES.join(', ')}`;

function printRequest(baseUrl: string, req: SimRequest): void {
  process.stdout.write(`POST ${baseUrl}${req.path}\n`);
  for (const [name, value] of Object.entries(req.headers)) process.stdout.write(`${name}: ${value}\n`);
  const body =
    typeof req.body === 'string' ? req.body : `<${req.body.length} bytes of ${req.headers['Content-Type']}>`;
  process.stdout.write(`\n${body}\n`);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      session: { type: 'string' },
      sequence: { type: 'string' },
      at: { type: 'string' },
      'api-key': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [provider, event, ...extra] = positionals;
  if (values.help || provider === undefined || extra.length > 0) {
    process.stdout.write(`${usage()}\n`);
    return values.help ? 0 : 64; // EX_USAGE
  }
  const simulator = await simulatorFor(provider);
  if (simulator === undefined) {
    process.stderr.write(`unknown provider "${provider}"; one of: ${PROVIDER_NAMES.join(', ')}\n`);
    return 64;
  }
  if (event === undefined) {
    process.stdout.write(`${provider} events (--session is ${simulator.sessionMeaning}):\n`);
    for (const e of simulator.events) process.stdout.write(`  ${e}\n`);
    return 0;
  }
  const at = values.at === undefined ? Date.now() : Date.parse(values.at);
  if (Number.isNaN(at)) {
    process.stderr.write(`--at: not an ISO 8601 time: ${values.at}\n`);
    return 64;
  }
  const sequence = values.sequence === undefined ? undefined : Number(values.sequence);
  if (sequence !== undefined && !(Number.isSafeInteger(sequence) && sequence >= 0)) {
    process.stderr.write(`--sequence: not a whole number: ${values.sequence}\n`);
    return 64;
  }
  const session = values.session ?? `sim-${provider}-${randomBytes(4).toString('hex')}`;
  const secret = values.secret ?? firstOf(process.env, simulator.secretVariable, simulator.exampleSecret);
  const baseUrl = (values.url ?? defaultBaseUrl(process.env)).replace(/\/+$/, '');

  let req: SimRequest;
  try {
    req = await simulator.build(event, { secret, session, at, env: process.env, sequence });
  } catch (err) {
    if (!(err instanceof UnknownEventError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 64;
  }
  if (values['dry-run']) {
    printRequest(baseUrl, req);
    return 0;
  }
  process.stderr.write(
    `${provider} ${event} (session ${session}) → POST ${baseUrl}${simulator.displayPath?.(req.path) ?? req.path}\n`,
  );
  try {
    const res = await send(baseUrl, req);
    process.stdout.write(`HTTP ${res.status}${res.requestId ? `  (X-Request-Id: ${res.requestId})` : ''}\n`);
    process.stdout.write(`${res.json ? JSON.stringify(res.json, null, 2) : res.text}\n`);
    const deliveryId = res.json?.deliveryId;
    if (res.status >= 300 || typeof deliveryId !== 'string') return res.status < 300 ? 0 : 1;
    const apiKey = values['api-key'] ?? firstOf(process.env, 'API_KEYS', EXAMPLE_ENV.API_KEYS);
    const outcome = await deliveryOutcome(baseUrl, apiKey, deliveryId);
    if (outcome === null) return 0;
    process.stdout.write(
      outcome.status === 'projected'
        ? `projected: event ${outcome.eventId}\n`
        : `${outcome.status}: ${JSON.stringify(outcome.error)}\n`,
    );
    return outcome.status === 'projected' ? 0 : 1;
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    process.stderr.write(
      `could not reach ${baseUrl}: ${(err as Error).message}${typeof cause === 'string' ? ` (${cause})` : ''}\n` +
        'Is the service running? (npm run start:demo)\n',
    );
    return 69; // EX_UNAVAILABLE
  }
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
