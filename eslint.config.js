// Lint, with the import boundaries of ARCHITECTURE.md ("Folders", import column) enforced: a layer that imports
// what it must not fails. The local rule `cabin/boundaries` checks every form of import (static, export-from,
// dynamic `import('…')` with a literal specifier, `typeof import('…')` types):
// - a relative or absolute specifier is resolved against the importing file, and must land in one of the
//   project folders the layer may import (`allow`), so `../devices/x.ts` and `../../src/devices/x.ts` are alike;
// - a bare specifier (a package or a Node built-in) must not be in one of the layer's forbidden `modules` groups.
import { builtinModules } from 'node:module';
import path from 'node:path';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const ROOT = import.meta.dirname;

const NODE = {
  // Every Node built-in, bare and `node:` (and any other `node:` module, e.g. node:test, which has no bare form).
  names: ['node:*', ...new Set(builtinModules.flatMap((m) => (m.startsWith('node:') ? [m] : [m, `node:${m}`])))],
  message: 'this layer must stay free of Node APIs',
};
const DEVICE_AND_STORAGE = {
  names: ['serialport', '@serialport/*', 'node-hid', 'better-sqlite3', 'ws'],
  message: 'device and storage modules belong in src/devices, src/main or src/hub',
};
const ELECTRON = { names: ['electron'], message: 'only src/main/electron/ may import electron' };

/** `name` matches itself and its subpaths (`fs` matches `fs/promises`); `prefix*` matches by prefix (`node:*`). */
const moduleMatches = (name, spec) =>
  name.endsWith('*') ? spec.startsWith(name.slice(0, -1)) : spec === name || spec.startsWith(`${name}/`);

/** A string known without running the code: a literal, or a template literal without `${}`. */
const staticString = (node) => {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  if (node.type === 'TSLiteralType') return staticString(node.literal);
  return undefined;
};

const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforces the import column of ARCHITECTURE.md (Folders).' },
    schema: [
      {
        type: 'object',
        properties: {
          layer: { type: 'string' },
          allow: { type: 'array', items: { type: 'string' } },
          modules: {
            type: 'array',
            items: {
              type: 'object',
              properties: { names: { type: 'array', items: { type: 'string' } }, message: { type: 'string' } },
              required: ['names', 'message'],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      module: "'{{spec}}': {{why}} (ARCHITECTURE.md, Folders).",
      folder: "'{{spec}}' reaches {{target}}: {{layer}} may import only {{allowed}} of the project (ARCHITECTURE.md, Folders).",
    },
  },
  create(context) {
    const { layer = 'this layer', allow, modules = [] } = context.options[0] ?? {};
    const check = (node, spec) => {
      if (spec === undefined) return;
      if (spec.startsWith('.') || spec.startsWith('/')) {
        if (!allow) return;
        const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), spec)).split(path.sep).join('/');
        if (allow.some((a) => target === a || target.startsWith(`${a}/`))) return;
        const where = target.startsWith('..') || path.isAbsolute(target) ? 'outside the project' : target;
        context.report({ node, messageId: 'folder', data: { spec, target: where, layer, allowed: allow.join(', ') } });
        return;
      }
      const group = modules.find((g) => g.names.some((n) => moduleMatches(n, spec)));
      if (group) context.report({ node, messageId: 'module', data: { spec, why: group.message } });
    };
    const fromSource = (node) => node.source && check(node.source, staticString(node.source));
    return {
      ImportDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ImportExpression: fromSource,
      // typescript-eslint 8 names the specifier `source` (older versions: `argument`, now deprecated).
      TSImportType: (node) => check(node, staticString('source' in node ? node.source : node.argument)),
      TSExternalModuleReference: (node) => check(node, staticString(node.expression)),
    };
  },
};

const rule = (options) => ({ 'cabin/boundaries': ['error', options] });

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'bench/results/', 'test/output/'] },
  ...tseslint.configs.recommended,
  {
    plugins: { cabin: { rules: { boundaries } } },
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // test/, bench/, scripts/, bin/ and the root config files may import anything. Under src/ and drivers/, each layer
  // below replaces this default, which only keeps electron out of a src/ folder the table does not list yet.
  { files: ['src/**/*.{ts,tsx}', 'drivers/**/*.{ts,tsx}'], rules: rule({ modules: [ELECTRON] }) },
  {
    files: ['drivers/**/*.{ts,tsx}'],
    rules: {
      ...rule({ layer: 'drivers', allow: ['drivers', 'src/shared'], modules: [ELECTRON, NODE, DEVICE_AND_STORAGE] }),
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process', 'Buffer', 'require', 'window', 'document', 'fetch'],
    },
  },
  {
    files: ['src/shared/**/*.{ts,tsx}'],
    rules: rule({ layer: 'src/shared', allow: ['src/shared'], modules: [ELECTRON, NODE, DEVICE_AND_STORAGE] }),
  },
  {
    files: ['src/server/**/*.{ts,tsx}'],
    rules: rule({ layer: 'src/server', allow: ['src/server', 'src/shared'], modules: [ELECTRON] }),
  },
  {
    files: ['src/browser/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: rule({ layer: 'src/browser', allow: ['src/browser', 'src/shared'], modules: [ELECTRON, NODE, DEVICE_AND_STORAGE] }),
  },
  {
    files: ['src/devices/**/*.{ts,tsx}'],
    rules: rule({ layer: 'src/devices', allow: ['src/devices', 'drivers', 'src/shared', 'src/server'], modules: [ELECTRON] }),
  },
  {
    files: ['src/main/**/*.{ts,tsx}'],
    ignores: ['src/main/electron/**'],
    rules: rule({ layer: 'src/main', allow: ['src/main', 'src/shared', 'src/server', 'src/devices'], modules: [ELECTRON] }),
  },
  {
    files: ['src/main/electron/**/*.{ts,tsx}'],
    rules: rule({ layer: 'src/main/electron', allow: ['src/main', 'src/shared', 'src/server'] }),
  },
  {
    files: ['src/hub/**/*.{ts,tsx}'],
    rules: rule({ layer: 'src/hub', allow: ['src/hub', 'src/shared', 'src/server'], modules: [ELECTRON] }),
  },
  // The hub's store answers asynchronously (SQLite or PostgreSQL, issue 14): a forgotten await is a write that may
  // fail unseen or land after what follows it, and a promise in a condition is always true. Checked with the types,
  // for the hub and its tests only (type-aware linting of the whole tree costs a minute).
  {
    files: ['src/hub/**/*.ts', 'test/hub/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: ROOT } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: rule({ layer: 'src/renderer', allow: ['src/renderer', 'src/shared', 'src/browser'], modules: [ELECTRON, NODE, DEVICE_AND_STORAGE] }),
  },
  {
    files: ['src/doctor/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: rule({ layer: 'src/doctor', allow: ['src/doctor', 'src/shared', 'src/browser'], modules: [ELECTRON, NODE, DEVICE_AND_STORAGE] }),
  },
);
