import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'bench/results/', 'dist/', 'assets/pages/simplewebauthn-browser-*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      // A regular expression cannot be wrapped without changing it (password-validators.ts: Python's str.isdigit()).
      'max-len': ['error', { code: 160, ignoreRegExpLiterals: true }],
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{
          from: 'package',
          package: 'node:test',
          name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
        }],
      }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Factories return object literals of closures and never use `this` (STYLE.md rule 5), so passing
      // `service.method` around is safe; Fastify plugins and handlers are async by contract even without await.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  // The hosted pages' script (assets/pages/): a classic browser script, served as it is, without a build step.
  {
    files: ['assets/pages/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { program: null, project: false, projectService: false },
      sourceType: 'script',
      globals: Object.fromEntries(['document', 'window', 'fetch', 'URLSearchParams', 'FormData', 'DOMParser', 'HTMLFormElement']
        .map((name) => [name, 'readonly'])),
    },
  },
  // Plain JavaScript that runs without a TypeScript loader; tsc (checkJs) already reports undefined names.
  { files: ['**/*.mjs'], rules: { 'no-undef': 'off' } },
)
