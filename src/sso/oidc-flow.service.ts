import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig } from '../../config/app-config';
import type { SsoConnection } from './entities/sso-connection.entity';
import { OutboundGuard, OutboundUrlRefused } from './outbound-guard';
import { SsoConnectionsService } from './sso-connections.service';
import { type AssertedIdentity, SsoRefused } from './sso-sign-in.service';
import type { PendingSignIn } from './sso-state.store';
import { LRUCache } from 'lru-cache';
import { callbackPath } from './browser-binding';

/** An openid-client error with its causes (which claim failed), for the audit trail. */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current instanceof Error; depth += 1) {
    const claim = (current as { claim?: unknown }).claim;
    parts.push(typeof claim === 'string' ? `${current.message} (${claim})` : current.message);
    current = current.cause;
  }
  return parts.join(': ');
}

const claimString = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/**
 * OpenID Connect relying party (openid-client): authorization code flow with
 * PKCE (S256), `state` and `nonce`; the ID token's signature (JWKS), `iss`,
 * `aud` (= our client id), `exp` and `nonce` are checked. Every request to the
 * IdP goes through the outbound guard. Discovery results are cached per
 * connection version.
 */
@Injectable()
export class OidcFlowService {
  private readonly logger = new Logger('SSO');
  /**
   * Discovered IdP configurations by connection version, refreshed hourly (an
   * IdP may move its endpoints) and bounded (connections come and go).
   */
  private readonly configurations = new LRUCache<string, Promise<oidc.Configuration>>({
    max: 1_000,
    ttl: 60 * 60 * 1000,
  });

  constructor(
    private readonly connections: SsoConnectionsService,
    private readonly guard: OutboundGuard,
    private readonly config: AppConfig,
  ) {}

  callbackUrl(connection: SsoConnection): string {
    return `${this.config.publicUrl}${callbackPath(connection.id)}`;
  }

  async authorizationUrl(
    connection: SsoConnection,
    begin: (pending: Omit<PendingSignIn, 'browser'>) => Promise<string>,
  ): Promise<string> {
    const configuration = await this.configuration(connection);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = await begin({ connectionId: connection.id, codeVerifier, nonce });
    return oidc
      .buildAuthorizationUrl(configuration, {
        redirect_uri: this.callbackUrl(connection),
        scope: (connection.oidc?.scopes ?? ['openid']).join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      .toString();
  }

  /** Redeems the code and verifies the ID token; throws SsoRefused with the reason. */
  async identity(
    connection: SsoConnection,
    query: Record<string, string>,
    state: string,
    pending: PendingSignIn,
  ): Promise<AssertedIdentity> {
    const settings = connection.oidc;
    if (settings === null) throw new SsoRefused('not an OIDC connection');
    const configuration = await this.configuration(connection);
    const current = new URL(this.callbackUrl(connection));
    for (const [key, value] of Object.entries(query)) current.searchParams.set(key, value);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new SsoRefused(`oidc: ${describe(error)}`);
    }
    const claims: Record<string, unknown> = { ...tokens.claims() };
    const subject = claimString(claims.sub);
    if (subject === null) throw new SsoRefused('oidc: ID token without a subject');
    if (configuration.serverMetadata().userinfo_endpoint !== undefined) {
      try {
        const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, subject);
        for (const [key, value] of Object.entries(userinfo)) claims[key] ??= value;
      } catch (error) {
        throw new SsoRefused(`oidc userinfo: ${describe(error)}`);
      }
    }
    return {
      subject,
      email: claimString(claims[settings.claims.email])?.toLowerCase() ?? null,
      displayName: claimString(claims[settings.claims.name]),
      claims,
    };
  }

  private configuration(connection: SsoConnection): Promise<oidc.Configuration> {
    const key = `${connection.id}:${connection.updatedAt.getTime()}`;
    let configuration = this.configurations.get(key);
    if (configuration === undefined) {
      configuration = this.discover(connection);
      this.configurations.set(key, configuration);
      configuration.catch(() => this.configurations.delete(key));
    }
    return configuration;
  }

  private async discover(connection: SsoConnection): Promise<oidc.Configuration> {
    const settings = connection.oidc;
    if (settings === null) throw new SsoRefused('not an OIDC connection');
    const issuer = new URL(settings.issuer);
    try {
      const configuration = await oidc.discovery(
        issuer,
        settings.clientId,
        {
          client_secret: this.connections.clientSecret(connection),
          [oidc.clockTolerance]: this.config.sso.clockSkewSeconds,
        },
        undefined,
        {
          [oidc.customFetch]: this.guard.fetch as oidc.CustomFetch,
          timeout: Math.ceil(this.config.sso.httpTimeoutMs / 1000),
          // Plain http only reaches networks an operator allowlisted (the guard refuses the rest).
          execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        },
      );
      // Check ID token signatures against the IdP's JWKS even though the token came over TLS.
      oidc.enableNonRepudiationChecks(configuration);
      return configuration;
    } catch (error) {
      const reason =
        error instanceof OutboundUrlRefused || (error as Error).cause instanceof OutboundUrlRefused
          ? `issuer refused: ${(error as Error).message}`
          : `discovery failed: ${describe(error)}`;
      this.logger.warn(`SSO connection ${connection.id}: ${reason}`);
      throw new SsoRefused(reason, 502, 'The identity provider could not be reached.');
    }
  }
}
