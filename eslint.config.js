import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', '**/src/gql/**', '.data/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The validated environment: each process parses process.env once in its config module (prisma/src/env.ts,
  // server/src/config.ts, worker/src/config.ts, generator/src/config.ts, scripts/config.ts), which disable this rule
  // at that one line. Tests, benches and build configs set up environments of their own.
  {
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/test/**', '**/bench/**', '**/e2e/**', '**/testing/**', '**/*.config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: "Read the process's config module instead (validated at start).",
        },
      ],
    },
  },
);
