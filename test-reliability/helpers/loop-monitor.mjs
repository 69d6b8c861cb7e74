// Loaded into the server by the soak (node --import). Every 10 s it writes to stderr the longest
// the server's event loop was held up, the slowest request from its arrival to the end of its
// response inside the server, and the most requests the server held at once, so the soak can tell
// where a slow answer waited: in the server (and on what), or in the load generator.
import diagnostics from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const started = new WeakMap();
let open = 0;
let maxOpen = 0;
let slowest = 0;
diagnostics.subscribe('http.server.request.start', ({ request }) => {
  started.set(request, performance.now());
  open++;
  maxOpen = Math.max(maxOpen, open);
});
diagnostics.subscribe('http.server.response.finish', ({ request }) => {
  const t0 = started.get(request);
  if (t0 !== undefined) slowest = Math.max(slowest, performance.now() - t0);
  open--;
});
setInterval(() => {
  process.stderr.write(`keygate-soak loop-delay-max-ms=${(delay.max / 1e6).toFixed(1)} in-server-max-ms=${slowest.toFixed(1)} in-server-max-open=${maxOpen}\n`);
  delay.reset();
  slowest = 0;
  maxOpen = open;
}, 10_000).unref();
