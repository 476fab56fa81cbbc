import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface IdpAccount {
  sub: string;
  email?: string;
  name?: string;
  groups?: string[];
}

export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/**
 * A real OpenID provider (oidc-provider) on a loopback port, for tests. The
 * login page is skipped: the account set with `signInAs` logs in at once and
 * every scope is granted. `rewriteIdToken` re-signs the ID token the token
 * endpoint returns with the provider's own key but changed claims (a token
 * minted for someone else: another audience, another nonce).
 */
export class TestIdp {
  private server!: Server;
  private provider: Provider | undefined;
  private account: IdpAccount | undefined;
  private rewrite: ((claims: JWTPayload) => JWTPayload) | undefined;
  private signingKey!: CryptoKey;
  private jwk!: Record<string, unknown>;
  issuer = '';

  static async start(): Promise<TestIdp> {
    const idp = new TestIdp();
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    idp.signingKey = privateKey;
    idp.jwk = {
      ...(await exportJWK(privateKey)),
      kid: 'test-signing-key',
      alg: 'RS256',
      use: 'sig',
    };
    idp.server = createServer((request, response) => void idp.handle(request, response));
    await new Promise<void>((resolve) => idp.server.listen(0, '127.0.0.1', resolve));
    idp.issuer = `http://127.0.0.1:${(idp.server.address() as AddressInfo).port}`;
    return idp;
  }

  /** (Re)builds the provider with these clients (the redirect URIs name Warden connection ids). */
  configure(clients: IdpClient[]): void {
    const configuration: Configuration = {
      clients: clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      })),
      jwks: { keys: [this.jwk] },
      cookies: { keys: ['test-cookie-key-0123456789'] },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username'],
        groups: ['groups'],
      },
      scopes: ['openid', 'email', 'profile', 'groups'],
      features: { devInteractions: { enabled: false } },
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        Grant: 600,
        IdToken: 600,
        Interaction: 600,
        Session: 600,
      },
      findAccount: (_ctx, id) => {
        const account = this.account;
        if (account === undefined || account.sub !== id) return undefined;
        return {
          accountId: id,
          claims: () => ({
            sub: id,
            email: account.email,
            email_verified: true,
            name: account.name,
            groups: account.groups,
          }),
        };
      },
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const clientId = ctx.oidc.client?.clientId;
        const accountId = ctx.oidc.session?.accountId;
        if (clientId === undefined || accountId === undefined) return undefined;
        const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
        grant.addOIDCScope('openid email profile groups');
        await grant.save();
        return grant;
      },
    };
    const provider = new Provider(this.issuer, configuration);
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && this.rewrite && typeof body?.id_token === 'string') {
        const claims = this.rewrite(decodeJwt(body.id_token));
        body.id_token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'test-signing-key', typ: 'JWT' })
          .sign(this.signingKey);
      }
    });
    this.provider = provider;
  }

  signInAs(account: IdpAccount): void {
    this.account = account;
  }

  rewriteIdToken(rewrite: ((claims: JWTPayload) => JWTPayload) | undefined): void {
    this.rewrite = rewrite;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const provider = this.provider;
    if (provider === undefined) {
      response.writeHead(503).end();
      return;
    }
    try {
      if (request.url?.startsWith('/interaction/')) {
        const account = this.account;
        if (account === undefined) throw new Error('TestIdp: signInAs() first');
        await provider.interactionDetails(request, response);
        await provider.interactionFinished(
          request,
          response,
          { login: { accountId: account.sub } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      void provider.callback()(request, response);
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  }
}

/**
 * Follows redirects like a browser (keeping cookies per run) until the
 * Location leaves the IdP; returns that URL (Warden's callback with code and state).
 */
export async function followIdpRedirects(start: string, idpOrigin: string): Promise<URL> {
  const jar = new Map<string, string>();
  let next = new URL(start);
  for (let hop = 0; hop < 10; hop += 1) {
    if (next.origin !== idpOrigin) return next;
    const response = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const index = pair.indexOf('=');
      jar.set(pair.slice(0, index), pair.slice(index + 1));
    }
    const location = response.headers.get('location');
    if (location === null)
      throw new Error(
        `IdP stopped at ${next.pathname} with ${response.status}: ${await response.text()}`,
      );
    next = new URL(location, next);
  }
  throw new Error('too many redirects');
}
