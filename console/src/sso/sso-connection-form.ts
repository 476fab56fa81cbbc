import type { Schemas } from '../api/client';

type Connection = Schemas['SsoConnectionResponseDto'];

/**
 * What the connection form holds: the API's record, plus the write-only and
 * the either-or fields (client secret, SAML metadata or certificate) the API
 * never returns.
 */
export interface SsoConnectionForm {
  name: string;
  protocol: Connection['protocol'];
  enabled?: boolean;
  defaultRoles?: string[];
  redirectUrl?: string | null;
  mappings?: Array<{ claim: string; value: string; roles?: string[]; groupIds?: string[] }>;
  oidc?: { issuer?: string; clientId?: string; clientSecret?: string; scopes?: string[] } | null;
  saml?: {
    metadataXml?: string;
    idpEntityId?: string;
    ssoUrl?: string;
    certificate?: string;
  } | null;
}

const text = (value: string | undefined | null) => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

const mappingsOf = (form: SsoConnectionForm) =>
  (form.mappings ?? []).map((mapping) => ({
    claim: mapping.claim,
    value: mapping.value,
    roles: mapping.roles ?? [],
    groupIds: mapping.groupIds ?? [],
  }));

/** SAML settings: the IdP's metadata document, or its entity id, SSO URL and certificate. */
function samlOf(form: SsoConnectionForm): Schemas['SamlConnectionDto'] | undefined {
  const saml = form.saml ?? {};
  const metadataXml = text(saml.metadataXml);
  if (metadataXml !== undefined) return { metadataXml };
  const certificate = text(saml.certificate);
  if (certificate === undefined) return undefined;
  return { idpEntityId: text(saml.idpEntityId), ssoUrl: text(saml.ssoUrl), certificate };
}

export function ssoConnectionToCreate(form: SsoConnectionForm): Schemas['CreateSsoConnectionDto'] {
  const common = {
    name: form.name,
    protocol: form.protocol,
    enabled: form.enabled ?? true,
    defaultRoles: form.defaultRoles?.length ? form.defaultRoles : undefined,
    redirectUrl: text(form.redirectUrl),
    mappings: mappingsOf(form),
  };
  if (form.protocol === 'saml') return { ...common, saml: samlOf(form) };
  return {
    ...common,
    oidc: {
      issuer: text(form.oidc?.issuer) ?? '',
      clientId: text(form.oidc?.clientId) ?? '',
      clientSecret: form.oidc?.clientSecret ?? '',
      scopes: form.oidc?.scopes?.length ? form.oidc.scopes : undefined,
    },
  };
}

/**
 * A PATCH of everything the form edits. The client secret goes only when a new
 * one was typed (blank keeps the stored one); SAML settings only when new
 * metadata or a new certificate was given (they replace the old ones whole).
 */
export function ssoConnectionToUpdate(form: SsoConnectionForm): Schemas['UpdateSsoConnectionDto'] {
  const body: Schemas['UpdateSsoConnectionDto'] = {
    name: form.name,
    enabled: form.enabled,
    defaultRoles: form.defaultRoles,
    redirectUrl: text(form.redirectUrl) ?? null,
    mappings: mappingsOf(form),
  };
  if (form.protocol === 'oidc') {
    body.oidc = {
      issuer: text(form.oidc?.issuer),
      clientId: text(form.oidc?.clientId),
      scopes: form.oidc?.scopes,
      clientSecret: text(form.oidc?.clientSecret),
    };
  } else {
    body.saml = samlOf(form);
  }
  return body;
}
