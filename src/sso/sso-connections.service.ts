import { scoped } from '../infra/database/organization-owned.entity';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { actorOf, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService } from '../authz/authz.service';
import { BASELINE_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import type { SecretBox } from '../common/crypto/secret-box';
import { ProblemException, type FieldError } from '../common/problem/problem';
import { Group } from '../directory/groups/group.entity';
import { Organization } from '../tenancy/organization.entity';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import type {
  CreateSsoConnectionDto,
  SamlConnectionDto,
  SsoClaimNamesDto,
  UpdateSsoConnectionDto,
} from './dto/sso-connection.dto';
import {
  SsoConnection,
  type OidcSettings,
  type SamlSettings,
  type SsoMapping,
} from './entities/sso-connection.entity';
import { OutboundGuard, OutboundUrlRefused } from './outbound-guard';
import { normaliseCertificate, parseIdpMetadata, SamlDocumentRefused } from './saml-metadata';
import { apiPath } from '../common/http/api-path';

export const SSO_SECRETS = Symbol('SSO_SECRETS');

const DEFAULT_SCOPES = ['openid', 'email', 'profile'];

function invalid(errors: FieldError[]): ProblemException {
  return new ProblemException(
    HttpStatus.UNPROCESSABLE_ENTITY,
    errors.map((error) => `${error.field} ${error.message}`).join('; '),
    { type: 'validation-failed', errors },
  );
}

function claimNames(input: SsoClaimNamesDto | undefined, current?: OidcSettings['claims']) {
  return {
    email: input?.email ?? current?.email ?? 'email',
    name: input?.name ?? current?.name ?? 'name',
    groups: input?.groups ?? current?.groups ?? 'groups',
  };
}

function httpUrl(value: string, field: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.toString();
  } catch {
    // reported below
  }
  throw invalid([{ field, message: 'must be an http(s) URL' }]);
}

/**
 * SSO connections (Owner only, through the ability). Client secrets are sealed
 * with the connection's id as associated data and never leave this service;
 * tenant-supplied URLs pass the outbound guard; mappings may only grant roles
 * and groups the caller could grant themselves.
 */
@Injectable()
export class SsoConnectionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly roles: RoleCatalogService,
    private readonly guard: OutboundGuard,
    private readonly config: AppConfig,
    @Inject(SSO_SECRETS) private readonly secrets: SecretBox,
  ) {}

  async list(principal: Principal): Promise<SsoConnection[]> {
    const connections = await this.em
      .fork()
      .find(SsoConnection, {}, { ...scoped(principal.organizationId), orderBy: { name: 'asc' } });
    return connections.filter((connection) => this.authz.can(principal, 'read', connection));
  }

  async get(principal: Principal, id: string, em = this.em.fork()): Promise<SsoConnection> {
    const connection = await em.findOne(SsoConnection, { id }, scoped(principal.organizationId));
    if (connection === null || !this.authz.can(principal, 'read', connection))
      throw new ProblemException(HttpStatus.NOT_FOUND, 'No such SSO connection.');
    return connection;
  }

  async create(principal: Principal, input: CreateSsoConnectionDto): Promise<SsoConnection> {
    await this.authz.assert(
      principal,
      'create',
      asSubject('SsoConnection', { organizationId: principal.organizationId }),
    );
    if (
      (input.protocol === 'oidc') !== (input.oidc !== undefined) ||
      (input.protocol === 'saml') !== (input.saml !== undefined)
    )
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        `A ${input.protocol} connection needs "${input.protocol}" settings and no others.`,
        { type: 'validation-failed', errors: [{ field: input.protocol, message: 'is required' }] },
      );
    const connection = new SsoConnection();
    connection.organizationId = principal.organizationId;
    connection.name = input.name;
    connection.protocol = input.protocol;
    connection.enabled = input.enabled ?? true;
    connection.createdById = principal.userId;
    if (input.oidc) {
      connection.oidc = await this.oidcSettings(input.oidc);
      connection.clientSecretSealed = this.secrets.seal(input.oidc.clientSecret, connection.id);
    }
    if (input.saml) connection.saml = this.samlSettings(input.saml, connection.id);
    connection.defaultRoles = input.defaultRoles ?? [BASELINE_ROLE];
    connection.mappings = this.mappings(input.mappings ?? []);
    connection.redirectUrl =
      input.redirectUrl == null ? null : httpUrl(input.redirectUrl, 'redirectUrl');
    await this.assertGrants(principal, connection);
    return this.save(async (em) => {
      em.persist(connection);
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'ssoConnection.created',
        target: { type: 'SsoConnection', id: connection.id },
        changes: { ...this.describe(connection), clientSecretSet: input.oidc !== undefined },
      });
      return connection;
    });
  }

  async update(
    principal: Principal,
    id: string,
    input: UpdateSsoConnectionDto,
  ): Promise<SsoConnection> {
    return this.save(async (em) => {
      const connection = await this.get(principal, id, em);
      await this.authz.assert(principal, 'update', connection);
      const before = this.describe(connection);
      if (input.oidc !== undefined || input.saml !== undefined) {
        if ((connection.protocol === 'oidc' ? input.saml : input.oidc) !== undefined)
          throw new ProblemException(
            HttpStatus.BAD_REQUEST,
            `This is a ${connection.protocol} connection; its protocol cannot change.`,
            { type: 'validation-failed' },
          );
      }
      if (input.name !== undefined) connection.name = input.name;
      if (input.enabled !== undefined) connection.enabled = input.enabled;
      if (input.oidc !== undefined && connection.oidc !== null) {
        const current = connection.oidc;
        connection.oidc = await this.oidcSettings({
          issuer: input.oidc.issuer ?? current.issuer,
          clientId: input.oidc.clientId ?? current.clientId,
          scopes: input.oidc.scopes ?? current.scopes,
          claims: claimNames(input.oidc.claims, current.claims),
        });
        if (input.oidc.clientSecret !== undefined)
          connection.clientSecretSealed = this.secrets.seal(input.oidc.clientSecret, connection.id);
      }
      if (input.saml !== undefined) connection.saml = this.samlSettings(input.saml, connection.id);
      if (input.mappings !== undefined) connection.mappings = this.mappings(input.mappings);
      if (input.defaultRoles !== undefined) connection.defaultRoles = input.defaultRoles;
      if (input.redirectUrl !== undefined)
        connection.redirectUrl =
          input.redirectUrl === null ? null : httpUrl(input.redirectUrl, 'redirectUrl');
      await this.assertGrants(principal, connection);
      await em.flush();
      const after = this.describe(connection);
      const changes: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(after)) {
        if (JSON.stringify(value) !== JSON.stringify(before[key]))
          changes[key] = { from: before[key], to: value };
      }
      if (input.oidc?.clientSecret !== undefined) changes.clientSecretReplaced = true;
      if (Object.keys(changes).length > 0) {
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'ssoConnection.updated',
          target: { type: 'SsoConnection', id: connection.id },
          changes,
        });
      }
      return connection;
    });
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const connection = await this.get(principal, id, em);
      await this.authz.assert(principal, 'delete', connection);
      await em.removeAndFlush(connection);
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'ssoConnection.deleted',
        target: { type: 'SsoConnection', id: connection.id },
        changes: { name: { from: connection.name }, protocol: { from: connection.protocol } },
      });
    });
  }

  /**
   * The enabled connections of an organization, by its slug, for a sign-in
   * page to offer; none for an unknown slug (the same answer as an
   * organization without SSO).
   */
  async signInOptions(slug: string): Promise<SsoConnection[]> {
    const em = this.em.fork();
    const organization = await em.findOne(Organization, { slug });
    if (organization === null) return [];
    return em.find(
      SsoConnection,
      { enabled: true },
      scoped(organization.id, { orderBy: { name: 'asc' } as const }),
    );
  }

  /** A connection people may sign in through now (any organization: the id is the entry point). */
  async findEnabled(id: string): Promise<SsoConnection | null> {
    return this.em.fork().findOne(SsoConnection, { id, enabled: true }, { filters: false });
  }

  clientSecret(connection: SsoConnection): string {
    if (connection.clientSecretSealed === null)
      throw new Error(`SSO connection ${connection.id} has no client secret`);
    return this.secrets.open(connection.clientSecretSealed, connection.id);
  }

  private async oidcSettings(input: {
    issuer: string;
    clientId: string;
    scopes?: string[];
    claims?: SsoClaimNamesDto;
  }): Promise<OidcSettings> {
    try {
      await this.guard.assertUrl(input.issuer);
    } catch (error) {
      if (error instanceof OutboundUrlRefused)
        throw invalid([{ field: 'oidc.issuer', message: error.message }]);
      throw error;
    }
    return {
      issuer: input.issuer,
      clientId: input.clientId,
      scopes: [...new Set(['openid', ...(input.scopes ?? DEFAULT_SCOPES)])],
      claims: claimNames(input.claims),
    };
  }

  private samlSettings(input: SamlConnectionDto, connectionId: string): SamlSettings {
    const attributes = claimNames(input.attributes);
    const spEntityId =
      input.spEntityId ??
      `${this.config.publicUrl}${apiPath('auth/sso', connectionId, 'metadata')}`;
    try {
      if (input.metadataXml !== undefined) {
        const metadata = parseIdpMetadata(input.metadataXml);
        return {
          idpEntityId: metadata.entityId,
          ssoUrl: httpUrl(metadata.ssoUrl, 'saml.metadataXml'),
          certificates: metadata.certificates,
          spEntityId,
          attributes,
        };
      }
    } catch (error) {
      if (error instanceof SamlDocumentRefused)
        throw invalid([{ field: 'saml.metadataXml', message: error.message }]);
      throw error;
    }
    const missing = (['idpEntityId', 'ssoUrl', 'certificate'] as const).filter(
      (field) => input[field] === undefined,
    );
    if (missing.length > 0)
      throw invalid(
        missing.map((field) => ({
          field: `saml.${field}`,
          message: 'is required without metadataXml',
        })),
      );
    let certificate: string;
    try {
      certificate = normaliseCertificate(input.certificate ?? '');
    } catch {
      throw invalid([
        { field: 'saml.certificate', message: 'is not a valid X.509 certificate (PEM)' },
      ]);
    }
    return {
      idpEntityId: input.idpEntityId ?? '',
      ssoUrl: httpUrl(input.ssoUrl ?? '', 'saml.ssoUrl'),
      certificates: [certificate],
      spEntityId,
      attributes,
    };
  }

  private mappings(input: NonNullable<CreateSsoConnectionDto['mappings']>): SsoMapping[] {
    return input.map((mapping) => ({
      claim: mapping.claim,
      value: mapping.value,
      roles: [...new Set(mapping.roles ?? [])],
      groupIds: [...new Set(mapping.groupIds ?? [])],
    }));
  }

  /** No escalation: whatever a connection can grant, the caller must be able to grant. */
  private async assertGrants(principal: Principal, connection: SsoConnection): Promise<void> {
    const roles = [
      ...new Set([...connection.defaultRoles, ...connection.mappings.flatMap((m) => m.roles)]),
    ];
    const catalog = await this.roles.catalog(principal.organizationId);
    catalog.assertKnown(roles);
    await this.authz.assertCanGrant(principal, roles, (key) => catalog.permissionsOf([key]));
    const groupIds = [...new Set(connection.mappings.flatMap((m) => m.groupIds))];
    if (groupIds.length === 0) return;
    const groups = await this.em
      .fork()
      .find(Group, { id: { $in: groupIds } }, scoped(principal.organizationId));
    const missing = groupIds.filter((id) => !groups.some((group) => group.id === id));
    if (missing.length > 0)
      throw new ProblemException(
        HttpStatus.NOT_FOUND,
        `No such group(s) in this organization: ${missing.join(', ')}.`,
      );
    await this.authz.assertCanGrant(
      principal,
      [...new Set(groups.flatMap((g) => g.roles))],
      (key) => catalog.permissionsOf([key]),
    );
  }

  /** What an audit event may say about a connection (never the secret). */
  private describe(connection: SsoConnection): Record<string, unknown> {
    return {
      name: connection.name,
      protocol: connection.protocol,
      enabled: connection.enabled,
      issuer: connection.oidc?.issuer,
      clientId: connection.oidc?.clientId,
      idpEntityId: connection.saml?.idpEntityId,
      mappings: connection.mappings,
      defaultRoles: connection.defaultRoles,
      redirectUrl: connection.redirectUrl,
    };
  }

  private async save<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.em.fork().transactional(work);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new ProblemException(HttpStatus.CONFLICT, 'SSO connection name already exists', {
          type: 'conflict',
        });
      throw error;
    }
  }
}
