import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'dist/', 'coverage/', '.device-carry/', '.gl/', '.whl/', 'bench/results/', '**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Prettier wraps code at 160; this catches what it cannot break: strings, templates, comments.
      'max-len': ['error', { code: 160, tabWidth: 2 }],
      // Domain code must stay deployable anywhere: infra is reached only through constants.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/infra/**', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'shared/, functions/ and batch-jobs/ never import infra.' },
            // AGPL-3.0: a devDependency for the local IAM evaluation; never in a bundle, an image or the CLI.
            { group: ['@cloud-copilot/*'], message: 'the IAM simulator (AGPL) is for local/iam and tests only.' },
          ],
        },
      ],
    },
  },
  {
    // Tests check code against the contract infra synthesizes, and the parity harness synthesizes the
    // examples' stacks to read it, so both may import infra; the local IAM evaluation synthesizes
    // them too and alone runs the (AGPL, dev-only) simulator.
    files: ['infra/**', 'test/**', 'bench/**', 'local/parity/**', 'local/iam/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
