import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { MfaChallengeResponseDto, TokenResponseDto } from '../auth/dto/auth.dto';
import { ProblemException } from '../common/problem/problem';
import { requestMeta, type RequestMeta } from '../common/request-context';
import type { SsoConnection } from './entities/sso-connection.entity';
import { OidcFlowService } from './oidc-flow.service';
import { SamlFlowService } from './saml-flow.service';
import { SsoConnectionsService } from './sso-connections.service';
import { type AssertedIdentity, SsoRefused, SsoSignInService } from './sso-sign-in.service';
import { type PendingSignIn, SsoStateStore } from './sso-state.store';
import { matchesBinding, newBinding } from './browser-binding';
import type { SsoClient } from './dto/sso-connection.dto';
import { AppConfig } from '../../config/app-config';

/** What a callback answers: tokens, or where to send the browser with a one-time code. */
export type SsoOutcome =
  | { kind: 'tokens'; tokens: TokenResponseDto | MfaChallengeResponseDto }
  | { kind: 'redirect'; location: string };

/** A verified SAML identity on its way from the POST binding to the browser's GET. */
interface SamlHandover {
  connectionId: string;
  browser: string;
  client?: SsoClient;
  identity: AssertedIdentity;
}

/** The console's page that exchanges the one-time code (console/src/auth/SsoCallbackPage.tsx). */
export const CONSOLE_SSO_CALLBACK_PATH = '/console/sso-callback';

const notFound = () => new ProblemException(HttpStatus.NOT_FOUND, 'No such SSO connection.');

/**
 * The SSO front door, protocol by protocol: start a sign-in (state kept
 * server-side, once), take the IdP's answer, let the protocol verify it, then
 * sign the person in. Every refusal is audited with its true reason; the
 * caller learns only that single sign-on failed.
 */
@Injectable()
export class SsoFlowService {
  constructor(
    private readonly em: EntityManager,
    private readonly connections: SsoConnectionsService,
    private readonly oidc: OidcFlowService,
    private readonly saml: SamlFlowService,
    private readonly store: SsoStateStore,
    private readonly signIn: SsoSignInService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Where to send the browser, and the binding secret it must carry back (the
   * controller sets it as a cookie).
   */
  async authorize(
    connectionId: string,
    client?: SsoClient,
  ): Promise<{ location: string; binding: string }> {
    const connection = await this.enabled(connectionId);
    const binding = newBinding();
    const begin = (pending: Omit<PendingSignIn, 'browser'>) =>
      this.store.begin({ ...pending, client, browser: binding.hash });
    const location = await this.refusing(connection, async () => {
      if (connection.protocol === 'oidc') return this.oidc.authorizationUrl(connection, begin);
      return this.saml.authorizationUrl(connection, await begin({ connectionId: connection.id }));
    });
    return { location, binding: binding.secret };
  }

  /**
   * GET callback: the OIDC redirect back from the IdP, or the SAML hand-over
   * from the assertion consumer service. Either way the browser must carry the
   * binding cookie of the sign-in it started.
   */
  async callback(
    connectionId: string,
    query: Record<string, string>,
    binding: string,
  ): Promise<SsoOutcome> {
    const connection = await this.enabled(connectionId);
    return this.refusing(connection, async () => {
      if (connection.protocol === 'saml') {
        const handover = await this.store.takeHandover<SamlHandover>(query.handover ?? '');
        if (handover === null || handover.connectionId !== connection.id)
          throw new SsoRefused('saml: unknown, expired or already used hand-over');
        this.assertSameBrowser(binding, handover.browser);
        return this.finish(connection, handover.identity, handover.client);
      }
      if (query.error !== undefined)
        throw new SsoRefused(`idp answered ${query.error.slice(0, 100)}`);
      const state = query.state ?? '';
      const pending = await this.pending(connection, state);
      this.assertSameBrowser(binding, pending.browser);
      const identity = await this.oidc.identity(connection, query, state, pending);
      return this.finish(connection, identity, pending.client);
    });
  }

  /**
   * SAML assertion consumer service: verifies the response, then hands the
   * identity over to the GET callback (a cross-site POST carries no Lax cookie,
   * the redirected GET does), which checks the browser and signs in.
   */
  async samlCallback(
    connectionId: string,
    body: { SAMLResponse?: unknown; RelayState?: unknown },
  ): Promise<string> {
    const connection = await this.enabled(connectionId);
    return this.refusing(connection, async () => {
      if (connection.protocol !== 'saml')
        throw new SsoRefused('POST callback on an OIDC connection');
      if (typeof body.SAMLResponse !== 'string' || typeof body.RelayState !== 'string')
        throw new SsoRefused('saml: SAMLResponse and RelayState are required');
      const pending = await this.pending(connection, body.RelayState);
      const identity = await this.saml.identity(connection, {
        SAMLResponse: body.SAMLResponse,
        RelayState: body.RelayState,
      });
      const handover: SamlHandover = {
        connectionId: connection.id,
        browser: pending.browser,
        client: pending.client,
        identity,
      };
      const location = new URL(this.saml.callbackUrl(connection));
      location.searchParams.set('handover', await this.store.handOver(handover));
      return location.toString();
    });
  }

  async exchange(code: string): Promise<TokenResponseDto | MfaChallengeResponseDto> {
    const tokens = await this.store.redeemCode<TokenResponseDto | MfaChallengeResponseDto>(code);
    if (tokens === null)
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'The code is invalid, expired or already used.',
      );
    return tokens;
  }

  async serviceProviderMetadata(connectionId: string): Promise<string> {
    const connection = await this.enabled(connectionId);
    if (connection.protocol !== 'saml') throw notFound();
    return this.saml.metadata(connection);
  }

  private async finish(
    connection: SsoConnection,
    identity: AssertedIdentity,
    client: SsoClient | undefined,
  ): Promise<SsoOutcome> {
    const tokens = await this.signIn.complete(connection, identity, this.meta());
    // The console's page is Warden's own: no configuration, and no way to point it elsewhere.
    const target =
      client === 'console'
        ? `${this.config.publicUrl}${CONSOLE_SSO_CALLBACK_PATH}`
        : connection.redirectUrl;
    if (target === null) return { kind: 'tokens', tokens };
    const location = new URL(target);
    location.searchParams.set('code', await this.store.issueCode(tokens));
    return { kind: 'redirect', location: location.toString() };
  }

  private async pending(connection: SsoConnection, state: string) {
    const pending = await this.store.take(state);
    if (pending === null || pending.connectionId !== connection.id)
      throw new SsoRefused('unknown, expired or already used state');
    return pending;
  }

  private assertSameBrowser(binding: string, expected: string): void {
    if (!matchesBinding(binding, expected))
      throw new SsoRefused('callback from a browser that did not start this sign-in');
  }

  private async enabled(connectionId: string): Promise<SsoConnection> {
    const connection = await this.connections.findEnabled(connectionId);
    if (connection === null) throw notFound();
    return connection;
  }

  private async refusing<T>(connection: SsoConnection, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SsoRefused)) throw error;
      await this.audit.record(this.em.fork(), {
        organizationId: connection.organizationId,
        actor: { type: 'anonymous', id: null },
        action: 'auth.loginFailed',
        target: { type: 'SsoConnection', id: connection.id },
        outcome: 'failure',
        reason: `sso: ${error.reason}`.slice(0, 500),
      });
      throw new ProblemException(error.status, error.detail);
    }
  }

  private meta(): RequestMeta {
    return requestMeta();
  }
}
