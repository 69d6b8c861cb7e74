// Lint, including the layer rules of the architecture (README, "Architecture").
//
// Layers are allow-lists: each folder of src/ names the folders it may import from. A folder that
// is not in the map is an error until someone places it, so a new folder is covered at once.
// Surfaces (api, http, cli) may read store types but never call the store: every write goes
// through src/services (type-only imports of src/store are allowed there).
import { dirname, relative, resolve, sep } from 'node:path';
import tseslint from 'typescript-eslint';

const SRC = resolve(import.meta.dirname, 'src');

/** folder (or root file without .ts) → folders and root files it may import. */
const LAYERS = {
  domain: [],
  store: ['domain', 'config'],
  oauth: ['domain', 'store', 'config'],
  services: ['domain', 'store', 'oauth', 'config'],
  api: ['services', 'oauth', 'domain', 'config', 'store:type'],
  http: ['services', 'oauth', 'domain', 'api', 'config', 'context', 'metrics', 'store:type'],
  cli: ['services', 'oauth', 'domain', 'config', 'context', 'server', 'store:type', 'store:migrate'],
  // Root files: the composition root and the process.
  config: [],
  metrics: ['domain', 'config'],
  context: ['services', 'oauth', 'store', 'domain', 'config', 'metrics'],
  bootstrap: ['services', 'domain', 'config', 'context'],
  server: ['http', 'context', 'bootstrap', 'config', 'services', 'store', 'metrics', 'cluster'],
  cluster: ['config', 'server', 'metrics', 'context'],
  main: ['config', 'server', 'cluster'],
};

/** Packages a layer must not use. */
const FORBIDDEN_PACKAGES = {
  domain: [/^fastify/, /^@fastify\//, /^kysely/, /^pg$/, /^better-sqlite3/, /^ioredis/, /^pino/],
  store: [/^fastify/, /^@fastify\//],
  oauth: [/^fastify/, /^@fastify\//],
  services: [/^fastify/, /^@fastify\//],
};

function layerOf(file) {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts.length === 1 ? parts[0].replace(/\.(ts|js)$/, '') : parts[0];
}

const layersRule = {
  meta: { type: 'problem', schema: [], messages: { layer: '{{message}}' } },
  create(context) {
    const from = layerOf(context.filename);
    if (from === null) return {};
    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string') return;
      if (!source.startsWith('.')) {
        const bad = (FORBIDDEN_PACKAGES[from] ?? []).find((re) => re.test(source));
        if (bad) context.report({ node, messageId: 'layer', data: { message: `src/${from} may not use "${source}" (README, "Architecture").` } });
        return;
      }
      const target = resolve(dirname(context.filename), source);
      const to = layerOf(target);
      if (to === null || to === from) return;
      const allowed = LAYERS[from];
      if (!allowed) {
        context.report({ node, messageId: 'layer', data: { message: `src/${from} is not in the layer map of eslint.config.js: place it there.` } });
        return;
      }
      const file = relative(SRC, target).replace(/\.js$/, '');
      const ok =
        allowed.includes(to) ||
        (typeOnly && allowed.includes(`${to}:type`)) ||
        (to === 'store' && allowed.includes('store:migrate') && /^store[\\/](migrate|db)$/.test(file));
      if (!ok) {
        const how = allowed.includes(`${to}:type`) ? ' except as `import type` (writes go through src/services)' : '';
        context.report({ node, messageId: 'layer', data: { message: `src/${from} may not import src/${to}${how} (README, "Architecture").` } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value, node.importKind === 'type' || node.specifiers.every((s) => s.importKind === 'type') && node.specifiers.length > 0),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
    };
  },
};

const NODE_TEST_CALLS = ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'docs/', 'bench/results/', 'examples/'] },
  ...tseslint.configs.recommended,
  {
    plugins: { keygate: { rules: { layers: layersRule } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  { files: ['src/**/*.ts'], rules: { 'keygate/layers': 'error' } },
  // src/ and bench/: the type-aware rule set.
  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: ['src/**/*.ts', 'bench/**/*.ts'] })),
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'test-reliability/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  // Fastify's plugin and handler contracts are async functions: an async plugin or handler with no
  // await is the idiom there (a plain function plugin must call done()), not a mistake.
  { files: ['src/http/**/*.ts', 'src/api/**/*.ts', 'bench/servers/**/*.ts'], rules: { '@typescript-eslint/require-await': 'off' } },
  // Tests: the plain rules, plus no floating promises (node:test's describe/it/hooks are fine).
  {
    files: ['test/**/*.ts', 'test-reliability/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: NODE_TEST_CALLS }] }],
    },
  },
);
