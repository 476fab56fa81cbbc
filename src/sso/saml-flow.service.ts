import { Injectable } from '@nestjs/common';
import { SAML, ValidateInResponseTo, generateServiceProviderMetadata } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { createHash } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import type { SsoConnection } from './entities/sso-connection.entity';
import { assertNoDoctype, assertShallow, SamlDocumentRefused } from './saml-metadata';
import { type AssertedIdentity, SsoRefused } from './sso-sign-in.service';
import { SsoStateStore } from './sso-state.store';
import { callbackPath } from './browser-binding';

const MAX_RESPONSE_BYTES = 256 * 1024;

/** The assertion's own ID (node-saml's profile does not carry it); its hash when absent. */
function assertionId(assertionXml: string): string {
  const root = new DOMParser().parseFromString(assertionXml, 'application/xml').documentElement;
  const id = root?.getAttribute('ID') ?? '';
  return id !== '' ? id : createHash('sha256').update(assertionXml).digest('hex');
}

const attributeString = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/**
 * SAML 2.0 service provider (node-saml): SP-initiated sign-in over the
 * HTTP-Redirect binding, responses over HTTP-POST. The assertion must be
 * signed by one of the connection's certificates, name our entity id as its
 * audience, answer a request we issued (InResponseTo, once) and be within its
 * validity window (bounded skew); its id is remembered so it works once. XML
 * with a document type is refused before it is parsed (no external entities).
 */
@Injectable()
export class SamlFlowService {
  constructor(
    private readonly config: AppConfig,
    private readonly store: SsoStateStore,
  ) {}

  callbackUrl(connection: SsoConnection): string {
    return `${this.config.publicUrl}${callbackPath(connection.id)}`;
  }

  async authorizationUrl(connection: SsoConnection, relayState: string): Promise<string> {
    return this.saml(connection).getAuthorizeUrlAsync(relayState, undefined, {});
  }

  metadata(connection: SsoConnection): string {
    const settings = this.settings(connection);
    return generateServiceProviderMetadata({
      issuer: settings.spEntityId,
      callbackUrl: this.callbackUrl(connection),
      wantAssertionsSigned: true,
      identifierFormat: null,
    });
  }

  async identity(
    connection: SsoConnection,
    body: { SAMLResponse: string; RelayState: string },
  ): Promise<AssertedIdentity> {
    const settings = this.settings(connection);
    if (body.SAMLResponse.length > (MAX_RESPONSE_BYTES * 4) / 3)
      throw new SsoRefused('saml: response too large');
    try {
      const xml = Buffer.from(body.SAMLResponse, 'base64').toString('utf8');
      assertNoDoctype(xml);
      assertShallow(xml);
    } catch (error) {
      if (error instanceof SamlDocumentRefused) throw new SsoRefused(`saml: ${error.message}`);
      throw error;
    }
    let profile;
    try {
      ({ profile } = await this.saml(connection).validatePostResponseAsync({
        SAMLResponse: body.SAMLResponse,
        RelayState: body.RelayState,
      }));
    } catch (error) {
      throw new SsoRefused(`saml: ${(error as Error).message}`);
    }
    if (profile === null || profile.nameID === '')
      throw new SsoRefused('saml: no subject in the assertion');
    // node-saml checks the issuer of logout messages only; the assertion's is ours to check.
    if (profile.issuer !== settings.idpEntityId)
      throw new SsoRefused(`saml: unexpected issuer ${String(profile.issuer).slice(0, 200)}`);
    if (!(await this.store.firstUse(connection.id, assertionId(profile.getAssertionXml?.() ?? ''))))
      throw new SsoRefused('saml: assertion replayed');
    const claims: Record<string, unknown> = { ...(profile.attributes ?? {}), ...profile };
    const email =
      attributeString(claims[settings.attributes.email]) ??
      (profile.nameID.includes('@') ? profile.nameID : null);
    return {
      subject: profile.nameID,
      email: email?.toLowerCase() ?? null,
      displayName: attributeString(claims[settings.attributes.name]),
      claims,
    };
  }

  private settings(connection: SsoConnection) {
    if (connection.saml === null) throw new SsoRefused('not a SAML connection');
    return connection.saml;
  }

  private saml(connection: SsoConnection): SAML {
    const settings = this.settings(connection);
    return new SAML({
      callbackUrl: this.callbackUrl(connection),
      entryPoint: settings.ssoUrl,
      issuer: settings.spEntityId,
      audience: settings.spEntityId,
      idpIssuer: settings.idpEntityId,
      idpCert: settings.certificates,
      // Many IdPs sign only the assertion; that signature is always required.
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: this.config.sso.clockSkewSeconds * 1000,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: this.config.sso.stateTtlSeconds * 1000,
      cacheProvider: this.store.samlRequestCache(connection.id),
      identifierFormat: null,
      disableRequestedAuthnContext: true,
    });
  }
}
