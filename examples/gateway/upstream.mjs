// A small upstream API for trying the gateway by hand and for the proxy tests: it answers every
// request with the method, the path and the headers it received, as JSON.
//   node examples/gateway/upstream.mjs            (listens on 127.0.0.1:9000; PORT=… to change)
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 9000);
const server = createServer((req, res) => {
  const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'access-control-allow-origin': '*' });
  res.end(body);
});
server.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`upstream listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
