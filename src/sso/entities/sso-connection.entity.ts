import { Entity, Enum, Property } from '@mikro-orm/core';
import { BASELINE_ROLE } from '../../authz/matrix';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type SsoProtocol = 'oidc' | 'saml';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  scopes: string[];
  /** Claim names in the ID token / userinfo. */
  claims: { email: string; name: string; groups: string };
}

export interface SamlSettings {
  idpEntityId: string;
  /** Where the browser is sent with the AuthnRequest (HTTP-Redirect binding). */
  ssoUrl: string;
  /** PEM certificates the IdP signs with (several during a rollover). */
  certificates: string[];
  /** This service provider's entity id (the audience the IdP must name). */
  spEntityId: string;
  /** Attribute names in the assertion. */
  attributes: { email: string; name: string; groups: string };
}

/** "Whoever the IdP puts in group/claim value V gets these roles and groups." */
export interface SsoMapping {
  claim: string;
  value: string;
  roles: string[];
  groupIds: string[];
}

/** An organization's identity provider: OIDC or SAML, with the rules that turn its claims into roles. */
@Entity({ tableName: 'sso_connections' })
export class SsoConnection extends OrganizationOwnedEntity<
  | 'enabled'
  | 'oidc'
  | 'clientSecretSealed'
  | 'saml'
  | 'mappings'
  | 'defaultRoles'
  | 'redirectUrl'
  | 'createdById'
> {
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Enum({ items: ['oidc', 'saml'] })
  protocol!: SsoProtocol;

  @Property({ type: 'boolean' })
  enabled = true;

  @Property({ type: 'json', nullable: true })
  oidc: OidcSettings | null = null;

  /** SecretBox-sealed OIDC client secret; never serialised. */
  @Property({ type: 'text', nullable: true, hidden: true })
  clientSecretSealed: string | null = null;

  @Property({ type: 'json', nullable: true })
  saml: SamlSettings | null = null;

  @Property({ type: 'json' })
  mappings: SsoMapping[] = [];

  /** Roles every person signing in through this connection holds, whatever their claims. */
  @Property({ type: 'string[]', columnType: 'text[]' })
  defaultRoles: string[] = [BASELINE_ROLE];

  /** A client page that receives `?code=` after sign-in; unset, the callback answers with tokens. */
  @Property({ type: 'string', length: 2048, nullable: true })
  redirectUrl: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  createdById: string | null = null;
}
