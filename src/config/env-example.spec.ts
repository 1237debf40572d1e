import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from 'src/config/app-config';
import 'src/providers/providers';
import { EXAMPLE_ENV } from '../../scripts/simulator/defaults';
import { loadSimulators } from '../../scripts/simulator/simulators';

const ROOT = resolve(__dirname, '..', '..');
const example = readFileSync(join(ROOT, '.env.example'), 'utf8');

/** `NAME=value` lines (what `node --env-file` sets). */
const active = Object.fromEntries(
  example
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]),
);
/** Every variable the file names, set or shown commented out (`# NAME=...`). */
const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Variables the service reads through the config readers (`readInt(env, 'PORT', ...)`). */
const readBySource = [
  ...new Set(
    sources(join(ROOT, 'src')).flatMap((file) =>
      [
        ...readFileSync(file, 'utf8').matchAll(
          /read(?:Raw|List|Secrets|Int|Enum|Bool|ByteSize|Url|Instant)\(\s*env,\s*'([A-Z][A-Z0-9_]*)'/g,
        ),
      ].map((m) => m[1]),
    ),
  ),
].sort();

describe('.env.example', () => {
  it('finds the configuration readers it checks against', () => {
    expect(readBySource).toEqual(
      expect.arrayContaining(['PORT', 'API_KEYS', 'WMS_MAC_SECRETS', 'METRICS_TOKEN']),
    );
  });

  it.each(readBySource.map((name) => [name]))('documents %s', (name) => {
    expect(documented.has(name)).toBe(true);
  });

  it('is a valid configuration that enables every provider', () => {
    const config = loadConfig(active);
    expect(Object.entries(config.providers).filter(([, p]) => p.secrets.length === 0)).toEqual([]);
    expect(config.apiKeys).toHaveLength(1);
  });

  it('lets PORT alone move the service: the public base URL (banner, Eyeson URLs) follows it', () => {
    expect(loadConfig({ ...active, PORT: '3517' }).publicBaseUrl).toBe('http://localhost:3517');
  });

  it('holds the values the sender simulator signs with by default', async () => {
    expect(Object.fromEntries(Object.keys(EXAMPLE_ENV).map((k) => [k, active[k]]))).toEqual(EXAMPLE_ENV);
    const simulators = await loadSimulators();
    expect(simulators.length).toBeGreaterThan(0);
    for (const { provider, secretVariable, exampleSecret } of simulators) {
      expect({ provider, [secretVariable]: active[secretVariable]?.split(',')[0] }).toEqual({
        provider,
        [secretVariable]: exampleSecret,
      });
    }
  });
});
