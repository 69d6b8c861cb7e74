/**
 * oidc-provider 9 as the benchmark configures it: one confidential client allowed the
 * client_credentials grant, the clientCredentials and introspection features enabled, opaque
 * access tokens in the library's default in-memory adapter (its best case), everything else at
 * its defaults. Client authentication: client_secret_basic.
 */
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.BENCH_CLIENT_ID,
      client_secret: process.env.BENCH_CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
  },
  scopes: ['api'],
  cookies: { keys: [process.env.BENCH_COOKIE_KEY ?? 'bench'] },
  ttl: { ClientCredentials: 3600 },
});
const server = createServer(provider.callback());
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
