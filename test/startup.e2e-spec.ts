import { ServiceProcess } from './support/child-servers';
import { createTestDatabase } from './support/test-app';

/** Starts the real service in a child process (output to a pipe, not a terminal), stops it, returns its output. */
async function runService(env: Record<string, string>, whileUp?: (service: ServiceProcess) => Promise<void>) {
  const database = await createTestDatabase();
  try {
    const service = await ServiceProcess.start(database.url, env);
    try {
      await whileUp?.(service);
    } finally {
      await service.stop();
    }
    return service.output();
  } finally {
    await database.drop();
  }
}

describe('start-up output', () => {
  it('is one banner with the URL, /docs and every webhook URL, with no per-route lines', async () => {
    let index: unknown;
    const out = await runService(
      { LOG_LEVEL: 'info', PUBLIC_BASE_URL: 'https://hooks.example.test', MILLICAST_WEBHOOK_SECRETS: '' },
      async (service) => {
        const res = await fetch(`${service.baseUrl}/`);
        expect(res.status).toBe(200);
        index = await res.json();
      },
    );
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const banners = lines.filter((l) => String(l.msg).startsWith('hooktrail is listening'));
    expect(banners).toHaveLength(1);
    expect(banners[0]).toMatchObject({
      level: 'info',
      url: 'https://hooks.example.test',
      docs: 'https://hooks.example.test/docs',
      webhooks: {
        eyeson: 'https://hooks.example.test/webhooks/eyeson/{token}',
        millicast: 'https://hooks.example.test/webhooks/millicast',
        perculus: 'https://hooks.example.test/webhooks/perculus',
        wms: 'https://hooks.example.test/webhooks/wms',
      },
      disabledProviders: ['millicast'],
    });
    expect(banners[0].msg).toContain('millicast  https://hooks.example.test/webhooks/millicast  (disabled');
    expect(lines.filter((l) => /Mapped \{|RoutesResolver|RouterExplorer/.test(JSON.stringify(l)))).toEqual(
      [],
    );
    // GET / leads somewhere: the same index, public.
    expect(index).toMatchObject({
      service: 'hooktrail',
      docs: 'https://hooks.example.test/docs',
      webhooks: { wms: 'https://hooks.example.test/webhooks/wms' },
    });
  });

  it('logs the route mapping at debug', async () => {
    const out = await runService({ LOG_LEVEL: 'debug' });
    const mapped = out
      .split('\n')
      .filter((l) => l.includes('Mapped {/webhooks/wms, POST}'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(mapped).toEqual([expect.objectContaining({ level: 'debug', context: 'RouterExplorer' })]);
  });

  it('writes no colour codes with LOG_PRETTY when the output is not a terminal', async () => {
    const out = await runService({ LOG_LEVEL: 'info', LOG_PRETTY: 'true' });
    expect(out).toContain('hooktrail is listening');
    expect(out).not.toContain('\u001b[');
  });
});
