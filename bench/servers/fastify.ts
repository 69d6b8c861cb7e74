/**
 * A reference point, not a competitor: Fastify 5 with no plugins, answering GET
 * /api/1.0/users/me with the same JSON (serialised through the same kind of response schema).
 * The gap between this and the bare node:http server is the framework's share; the gap between
 * this and Keygate is what Keygate's own work costs (token check, headers, hooks). With
 * BENCH_HEADERS it also sends every header Keygate sends: the floor under Keygate's API call.
 */
import Fastify from 'fastify';

const body = JSON.parse(process.env.BENCH_JSON ?? '{}') as unknown;
// The reference run with Keygate's headers (BENCH_HEADERS, a JSON object) sets them as well.
const extra = JSON.parse(process.env.BENCH_HEADERS ?? '{}') as Record<string, string>;
const withHeaders = Object.keys(extra).length > 0;
const app = Fastify({ logger: false });
if (withHeaders) {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(extra);
    done();
  });
}
app.get(
  '/api/1.0/users/me',
  {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: { id: { type: 'string' }, username: { type: 'string' }, administrator: { type: 'boolean' }, permissions: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  },
  async () => body,
);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
