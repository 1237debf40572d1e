import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

interface LintCase {
  /** The file the text is linted as (an existing file, so the typed lint rules find it in the project). */
  filePath: string;
  text: string;
}

/** The rule ids ESLint reports for each text, linted with the project's own eslint.config.mjs. */
function lintRuleIds(cases: LintCase[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const cases = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const c of cases) {
      const [result] = await eslint.lintText(c.text, { filePath: c.filePath });
      out.push(result.messages.map((m) => m.ruleId ?? m.message));
    }
    process.stdout.write(JSON.stringify(out));`;
  const stdout = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify(cases)],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return JSON.parse(stdout) as string[][];
}

const source = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');
const withImport = (path: string, line: string): LintCase => ({
  filePath: resolve(ROOT, path),
  text: `${line}\n${source(path)}`,
});

describe('layering: the core never imports from providers/', () => {
  it('fails lint on a deliberate import of a provider from each core folder, and passes the files as they are', () => {
    const violations = [
      withImport('src/config/app-config.ts', "import 'src/providers/wms/wms.config';"),
      withImport('src/database/entities.ts', "import 'src/providers/perculus/perculus-seen-token.entity';"),
      withImport(
        'src/ingestion/signature.ts',
        "export type { WmsService } from 'src/providers/wms/wms.service';",
      ),
      withImport('src/query/deliveries/body-preview.ts', "import '../../providers/providers';"),
      withImport('src/common/logger.ts', "export * from 'src/providers/providers';"),
      withImport('src/metrics/metrics.service.ts', "import 'src/providers/livekit/livekit.provider';"),
    ];
    const clean = violations.map((c) => ({ filePath: c.filePath, text: source(c.filePath) }));
    // A provider importing the core is the allowed direction.
    const allowed = withImport('src/providers/wms/wms.service.ts', "import 'src/ingestion/signature';");

    const results = lintRuleIds([...violations, ...clean, allowed]);

    expect(results.slice(0, violations.length)).toEqual(violations.map(() => ['no-restricted-imports']));
    expect(results.slice(violations.length)).toEqual([...clean.map(() => []), []]);
  });
});
