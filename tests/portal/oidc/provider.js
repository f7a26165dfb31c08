// An independent OpenID provider for the portal's sign-in test: the npm package `oidc-provider` (pinned in
// package-lock.json) over HTTPS on 127.0.0.1, with its development login and consent pages, one public client for the
// portal (authorization code, PKCE S256 required, refresh tokens) and test users whose ID tokens carry the tid/oid
// of principals of openpal's demo world. Prints "oidc-provider: listening on URL" once ready; stops on SIGTERM.
// Usage: node provider.js  (env: OIDC_CERT, OIDC_KEY PEM files; OIDC_PORTAL the portal's origin; OIDC_PORT, 0 = any)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'openpal-portal';

// Login name -> the principal of the demo world (demo/README.md) it signs in as. Anna's ID tokens live 100 s, less
// than the portal's 2-minute renewal margin, so that every call of hers goes through the silent renewal.
export const USERS = {
  alice: { tid: '10000000-0000-4000-8000-000000000001', oid: '30000000-0000-4000-8000-010000000001', name: 'Alice Ortega' },
  anna: { tid: '10000000-0000-4000-8000-000000000004', oid: '30000000-0000-4000-8000-040000000001', name: 'Anna Alpine', ttl: 100 },
};

const portal = process.env.OIDC_PORTAL;
if (!portal) throw new Error('OIDC_PORTAL (the portal origin, e.g. https://127.0.0.1:8443) is not set');
const tls = { cert: readFileSync(process.env.OIDC_CERT), key: readFileSync(process.env.OIDC_KEY) };
const server = createServer(tls);
await new Promise((resolve) => server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', resolve));
const issuer = `https://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: 'jwk' }), kid: 'test-oidc-1', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    application_type: 'web',
    token_endpoint_auth_method: 'none',  // a public client (a browser app): PKCE is then required
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${portal}/`],
    post_logout_redirect_uris: [`${portal}/`],
  }],
  jwks: { keys: [signing] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub', 'tid', 'oid'], profile: ['name', 'preferred_username'] },
  async findAccount(_ctx, sub) {
    const user = USERS[sub];
    if (!user) return undefined;
    const { ttl, ...claims } = user;
    return { accountId: sub, claims: async () => ({ sub, ...claims, preferred_username: `${sub}@contoso.test` }) };
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  ttl: { IdToken: (ctx) => USERS[ctx.oidc?.account?.accountId]?.ttl || 3600, AccessToken: 3600 },
});
provider.proxy = false;
server.on('request', provider.callback());

console.log(`oidc-provider: listening on ${issuer}`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
