// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'eslint.config.mjs',
      'jest.config.js',
      'test/support/summary-reporter.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The core knows no provider: providers are registered from above (src/providers/providers.ts, loaded by
    // the app module and the scripts) and the core reads them through src/config/provider-registry.ts.
    // Specs may load the registered providers.
    files: [
      'src/config/**',
      'src/database/**',
      'src/ingestion/**',
      'src/query/**',
      'src/common/**',
      'src/simulator/**',
      'src/health/**',
      'src/metrics/**',
      'src/rate-limit/**',
      'src/replay/**',
      'src/retention/**',
      'src/http/**',
    ],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)providers(/|$)',
              message:
                'The core must not import from providers/: it reads them from src/config/provider-registry.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // The require hook that runs the TypeScript sources (plain CommonJS: it must load before TypeScript can).
    files: ['scripts/ts-register.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'readonly', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The console's browser modules: plain JavaScript, no type information.
    files: ['src/console/public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'sessionStorage',
          'fetch',
          'URL',
          'URLSearchParams',
          'FormData',
          'TextDecoderStream',
          'AbortController',
          'ResizeObserver',
          'matchMedia',
          'devicePixelRatio',
          'addEventListener',
          'removeEventListener',
          'setTimeout',
          'clearTimeout',
          'console',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
