// Lint, with the import boundaries of ARCHITECTURE.md enforced: a layer that imports what it must not fails.
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NODE_AND_DEVICE_MODULES = [
  { group: ['node:*'], message: 'This layer must stay free of Node APIs (ARCHITECTURE.md, import column).' },
  {
    group: ['fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'stream', 'events', 'util', 'worker_threads'],
    message: 'This layer must stay free of Node APIs (ARCHITECTURE.md, import column).',
  },
  {
    group: ['serialport', '@serialport/*', 'node-hid', 'better-sqlite3', 'ws'],
    message: 'Device and storage modules belong in src/devices, src/main or src/hub.',
  },
];
const ELECTRON = { group: ['electron', 'electron/*'], message: 'Only src/main/electron/ may import electron.' };
const layer = (...names) => names.map((n) => ({ group: [`**/${n}`, `**/${n}/**`], message: `This layer may not import ${n} (ARCHITECTURE.md).` }));

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'bench/results/', 'test/output/'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [ELECTRON] }],
    },
  },
  {
    files: ['drivers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [ELECTRON, ...NODE_AND_DEVICE_MODULES, ...layer('src/devices', 'src/main', 'src/renderer', 'src/hub', 'src/doctor')],
      }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process', 'Buffer', 'require', 'window', 'document', 'fetch'],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [ELECTRON, ...NODE_AND_DEVICE_MODULES, ...layer('drivers', 'src/devices', 'src/main', 'src/renderer', 'src/hub', 'src/doctor')],
      }],
    },
  },
  {
    files: ['src/devices/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [ELECTRON, ...layer('src/main', 'src/renderer', 'src/hub', 'src/doctor')] }],
    },
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [ELECTRON, ...layer('drivers', 'src/renderer', 'src/hub', 'src/doctor')] }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}', 'src/doctor/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [ELECTRON, ...NODE_AND_DEVICE_MODULES, ...layer('drivers', 'src/devices', 'src/main', 'src/hub')],
      }],
    },
  },
  {
    files: ['src/main/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: layer('drivers', 'src/devices', 'src/renderer', 'src/hub', 'src/doctor') }],
    },
  },
);
