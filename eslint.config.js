// Lint, including the layer rules of the architecture (README, "Architecture"):
// domain → nothing; store → domain; oauth/api → domain, store; http → anything but cli; cli → not http/api.
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'docs/', 'bench/results/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: restrict([
      { group: ['**/store/**', '**/oauth/**', '**/api/**', '**/http/**', '**/cli/**', '**/context.js', '**/server.js'], message: 'src/domain holds pure rules: no store, protocol, HTTP or CLI imports.' },
      { group: ['fastify', 'fastify/*', '@fastify/*', 'kysely', 'pg', 'better-sqlite3', 'ioredis'], message: 'src/domain does no I/O.' },
    ]),
  },
  {
    files: ['src/store/**/*.ts'],
    rules: restrict([
      { group: ['**/oauth/**', '**/api/**', '**/http/**', '**/cli/**', '**/context.js', '**/server.js'], message: 'src/store depends on src/domain only.' },
      { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'src/store knows nothing of HTTP.' },
    ]),
  },
  {
    files: ['src/oauth/**/*.ts'],
    rules: restrict([
      { group: ['**/api/**', '**/http/**', '**/cli/**', '**/server.js'], message: 'src/oauth is the protocol core: no HTTP framework, API or CLI imports.' },
      { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'src/oauth knows nothing of Fastify.' },
    ]),
  },
  {
    files: ['src/api/**/*.ts'],
    rules: restrict([{ group: ['**/http/**', '**/cli/**', '**/server.js'], message: 'src/api may not import src/http or src/cli.' }]),
  },
  {
    files: ['src/http/**/*.ts'],
    rules: restrict([{ group: ['**/cli/**'], message: 'src/http may not import src/cli.' }]),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict([{ group: ['**/http/**', '**/api/**'], message: 'src/cli may not import src/http or src/api.' }]),
  },
);
