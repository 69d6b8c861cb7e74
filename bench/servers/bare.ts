/**
 * The ceiling: a bare node:http server answering GET /api/1.0/users/me with the same JSON body
 * Keygate returns (BENCH_JSON), no auth, no framework, no headers beyond Content-Type (unless
 * BENCH_HEADERS names more, for the reference run with Keygate's headers).
 */
import { createServer } from 'node:http';

const body = Buffer.from(process.env.BENCH_JSON ?? '{}');
// The reference run sends the headers Keygate sent as well (BENCH_HEADERS, a JSON object).
const extra = JSON.parse(process.env.BENCH_HEADERS ?? '{}') as Record<string, string>;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/api/1.0/users/me') {
    res.writeHead(200, { ...extra, 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
  res.end('{"message":"Not found."}');
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
