/** Bearer tokens minted straight into the store, for API tests that need a principal without running a grant. */
import type { Context } from '../../src/context.js';
import { displayPrefix, hashSecret, issueSecret } from '../../src/domain/secret.js';

/** A bearer token for a user (or, with userId null, a client acting as itself), minted straight into the store. */
export async function mintToken(ctx: Context, opts: { userId: string | null; clientId?: string; scopes?: string[] }): Promise<string> {
  const clientId = opts.clientId ?? (await ctx.clients.findByName('Personal Access Client'))!.id;
  const pat = opts.userId !== null && opts.clientId === undefined;
  const token = issueSecret(pat ? 'personalAccessToken' : 'accessToken');
  await ctx.tokens.insertToken({
    tokenHash: hashSecret(token),
    kind: pat ? 'personal_access_token' : 'access_token',
    prefix: displayPrefix(token),
    clientId,
    userId: opts.userId,
    scopes: opts.scopes ?? ['api'],
    origin: pat ? 'personal_access' : 'client_credentials',
    createdAt: Date.now(),
    expiresAt: Date.now() + 3600e3,
  });
  return token;
}
