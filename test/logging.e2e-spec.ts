import { captureOutput, exited, spawnTs } from './support/spawn-ts';

async function logFromChild(env: Record<string, string>): Promise<string> {
  const child = spawnTs('test/support/log-child.ts', [], { LOG_LEVEL: 'info', ...env });
  const output = captureOutput(child);
  expect(await exited(child)).toBe(0);
  return output();
}

describe('log output of a real process', () => {
  it('is one JSON object per line by default', async () => {
    const out = await logFromChild({});
    const line = JSON.parse(out.trim().split('\n')[0]);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'hello from the child',
      provider: 'wms',
      token: '[redacted]',
    });
  });

  it('is human-readable with LOG_PRETTY=true, still redacted', async () => {
    const out = await logFromChild({ LOG_PRETTY: 'true' });
    expect(out).toContain('hello from the child');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain('child-secret-token');
    expect(() => JSON.parse(out.trim().split('\n')[0])).toThrow();
  });
});
