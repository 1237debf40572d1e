import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const compose = readFileSync(join(resolve(__dirname, '..', '..'), 'docker-compose.yml'), 'utf8');
/** Every `${NAME<op>value}` interpolation outside comments. */
const interpolations = [
  ...compose
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .matchAll(/\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}/g),
].map(([, name, op, value]) => ({ name, op, value }));
const isSecret = (name: string): boolean => /SECRET|KEY|TOKEN|PASSWORD/.test(name);

describe('docker-compose.yml fails closed', () => {
  it('finds the interpolations it checks (the control for the cases below)', () => {
    expect(interpolations.map((i) => i.name)).toEqual(
      expect.arrayContaining(['POSTGRES_PASSWORD', 'API_KEYS', 'WMS_MAC_SECRETS', 'PORT']),
    );
  });

  it('gives no secret a default value: it is required or empty (a provider without one refuses all)', () => {
    const withDefault = interpolations.filter((i) => isSecret(i.name) && i.op === ':-' && i.value !== '');
    expect(withDefault).toEqual([]);
  });

  it('requires the Postgres password wherever it is used', () => {
    const uses = interpolations.filter((i) => i.name === 'POSTGRES_PASSWORD');
    expect(uses.length).toBeGreaterThan(1);
    expect(uses.every((i) => i.op === ':?')).toBe(true);
  });

  it('publishes ports on 127.0.0.1 unless PUBLISH_ADDRESS says otherwise', () => {
    const ports = [...compose.matchAll(/^\s+- '([^']*:\d+)'$/gm)].map((m) => m[1]);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port.startsWith('${PUBLISH_ADDRESS:-127.0.0.1}:')).toBe(true);
  });
});
