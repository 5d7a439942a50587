import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'simulator/dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['test/**', 'bench/**', 'simulator/**', 'src/cli/**', 'registry-server/**'],
    rules: { 'no-console': 'off' },
  },
  // bin/ is CommonJS (bin/package.json): the entry starts without the ES module loader.
  { files: ['bin/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
