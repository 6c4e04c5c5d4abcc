import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      '**/src/gql/**',
      '.data/**',
      'test-results/**',
      'scripts/codegen/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    // TypeScript (vue-tsc) knows the globals; ESLint's no-undef does not read types.
    rules: { 'no-undef': 'off' },
  },
  {
    // Type-aware rules: each file is checked with its package's tsconfig (the project service finds it).
    files: ['**/*.ts', '**/*.vue'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname, extraFileExtensions: ['.vue'] },
    },
    rules: {
      // A promise nobody awaits loses its errors: `void` says it is deliberate.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Prettier owns the layout of templates too.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
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
