// @antfu/eslint-config: the shared config of the Vue ecosystem's model projects (vitesse, elk);
// its stylistic rules are the formatter (no Prettier).
import antfu from '@antfu/eslint-config'

export default antfu(
  {
    vue: true,
    typescript: true,
    ignores: ['dist', '.local', 'components.d.ts', 'public', 'docs'],
  },
  {
    rules: {
      // Everything that touches `process` or `Buffer` runs on Node 20 (the local stack, scripts,
      // tests, vite.config) where both are globals; the app never uses them. Use the globals
      // rather than importing them in every file (antfu's default is the opposite).
      'node/prefer-global/process': ['error', 'always'],
      'node/prefer-global/buffer': ['error', 'always'],
      // Test titles here start with the names of things (TopicPostBody, RLS, GET, English);
      // lower-casing them, as antfu's default autofix does, makes them wrong.
      'test/prefer-lowercase-title': 'off',
    },
  },
  {
    // Command-line programs (benchmarks, the e2e runner, scripts, the local stack's simulated SMS
    // outbox) report to the terminal: the console is their output, not leftover debugging.
    files: ['tests/bench/**', 'tests/e2e/run.ts', 'scripts/**', 'supabase/local/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Times are shown and read in Asia/Shanghai whatever the phone's zone: through one module.
    files: ['src/**'],
    ignores: ['src/modules/time.ts', 'src/components/admin/periods.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'dayjs', message: 'Use src/modules/time.ts: it formats and reads times in Asia/Shanghai.' }] }],
    },
  },
)
