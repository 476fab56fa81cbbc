import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { SsoConnection, SsoMapping } from '../entities/sso-connection.entity';
import { apiPath } from '../../common/http/api-path';

const ROLE_KEYS = ApiProperty({
  type: 'array',
  items: { type: 'string', maxLength: 50 },
  maxItems: 50,
  required: false,
});
const NAME = /^[\w:./-]+$/;

export class SsoClaimNamesDto {
  /** Default `email` (OIDC) or `email` / the SAML NameID when it is an address. */
  @IsOptional() @IsString() @Length(1, 200) email?: string;
  /** Default `name`. */
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  /** Default `groups`. */
  @IsOptional() @IsString() @Length(1, 200) groups?: string;
}

export class OidcConnectionDto {
  /** The issuer; its discovery document is read from `/.well-known/openid-configuration`. */
  @IsString()
  @MaxLength(2048)
  issuer!: string;

  @IsString()
  @Length(1, 255)
  clientId!: string;

  /** Write-only: stored encrypted, never returned. */
  @IsString()
  @Length(1, 1000)
  @ApiProperty({ writeOnly: true, minLength: 1, maxLength: 1000 })
  clientSecret!: string;

  /** Default `openid email profile`; `openid` is always requested. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(NAME, { each: true })
  @Length(1, 100, { each: true })
  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: 100 },
    maxItems: 20,
    required: false,
  })
  scopes?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => SsoClaimNamesDto)
  claims?: SsoClaimNamesDto;
}

export class UpdateOidcConnectionDto extends PartialType(OidcConnectionDto) {}

export class SamlConnectionDto {
  /** The IdP's metadata document; gives entity id, SSO URL and signing certificates. */
  @IsOptional()
  @IsString()
  @MaxLength(200_000)
  metadataXml?: string;

  /** Without metadata: the IdP's entity id. */
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  idpEntityId?: string;

  /** Without metadata: the IdP's single sign-on URL (HTTP-Redirect binding). */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  ssoUrl?: string;

  /** Without metadata: the IdP's signing certificate (PEM). */
  @IsOptional()
  @IsString()
  @MaxLength(20_000)
  certificate?: string;

  /** This service provider's entity id; default `<PUBLIC_URL>/api/v1/auth/sso/<id>/metadata`. */
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  spEntityId?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => SsoClaimNamesDto)
  attributes?: SsoClaimNamesDto;
}

export class SsoMappingDto {
  /** The claim or attribute to look at, e.g. `groups` or `department`. */
  @IsString()
  @Length(1, 200)
  claim!: string;

  /** The value that must appear in it (exact; arrays match when they contain it). */
  @IsString()
  @Length(1, 500)
  value!: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @ROLE_KEYS
  roles?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  @ApiProperty({
    type: 'array',
    items: { type: 'string', format: 'uuid', maxLength: 36 },
    maxItems: 50,
    required: false,
  })
  groupIds?: string[];
}

export class CreateSsoConnectionDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsIn(['oidc', 'saml'])
  @ApiProperty({ enum: ['oidc', 'saml'] })
  protocol!: 'oidc' | 'saml';

  /** Default true. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** Required when protocol is `oidc`. */
  @IsOptional()
  @ValidateNested()
  @Type(() => OidcConnectionDto)
  oidc?: OidcConnectionDto;

  /** Required when protocol is `saml`. */
  @IsOptional()
  @ValidateNested()
  @Type(() => SamlConnectionDto)
  saml?: SamlConnectionDto;

  /** Claim value → roles and groups. Only what is listed here is ever granted (no escalation by the IdP). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => SsoMappingDto)
  mappings?: SsoMappingDto[];

  /** Roles everyone signing in here holds; default `["user"]`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @ROLE_KEYS
  defaultRoles?: string[];

  /** A client page that receives `?code=` (exchanged at POST /auth/sso/token); unset, the callback answers with tokens. `null` clears it. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @ApiProperty({ type: String, nullable: true, maxLength: 2048, required: false })
  redirectUrl?: string | null;
}

export class UpdateSsoConnectionDto extends PartialType(
  OmitType(CreateSsoConnectionDto, ['protocol', 'oidc', 'saml'] as const),
) {
  /** Fields given replace the stored ones; an omitted clientSecret keeps the stored secret. */
  @IsOptional()
  @ValidateNested()
  @Type(() => UpdateOidcConnectionDto)
  oidc?: UpdateOidcConnectionDto;

  /** Replaces the SAML settings as a whole (metadata, or entity id + SSO URL + certificate). */
  @IsOptional()
  @ValidateNested()
  @Type(() => SamlConnectionDto)
  saml?: SamlConnectionDto;
}

export class SsoClaimNamesResponseDto {
  @ApiProperty({ maxLength: 200 }) email!: string;
  @ApiProperty({ maxLength: 200 }) name!: string;
  @ApiProperty({ maxLength: 200 }) groups!: string;
}

export class OidcConnectionResponseDto {
  @ApiProperty({ maxLength: 2048 }) issuer!: string;
  @ApiProperty({ maxLength: 255 }) clientId!: string;
  /** Whether a client secret is stored (it is never returned). */
  clientSecretSet!: boolean;
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 20 })
  scopes!: string[];
  claims!: SsoClaimNamesResponseDto;
}

export class SamlConnectionResponseDto {
  @ApiProperty({ maxLength: 1024 }) idpEntityId!: string;
  @ApiProperty({ maxLength: 2048 }) ssoUrl!: string;
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 20000 }, maxItems: 10 })
  certificates!: string[];
  @ApiProperty({ maxLength: 1024 }) spEntityId!: string;
  /** Where the IdP posts its responses (the assertion consumer service). */
  @ApiProperty({ maxLength: 2048 }) acsUrl!: string;
  attributes!: SsoClaimNamesResponseDto;
}

export class SsoMappingResponseDto {
  @ApiProperty({ maxLength: 200 }) claim!: string;
  @ApiProperty({ maxLength: 500 }) value!: string;
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 50 })
  roles!: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'string', format: 'uuid', maxLength: 36 },
    maxItems: 50,
  })
  groupIds!: string[];
}

export class SsoConnectionResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty({ enum: ['oidc', 'saml'] }) protocol!: 'oidc' | 'saml';
  enabled!: boolean;
  @ApiPropertyOptional({ type: OidcConnectionResponseDto, nullable: true })
  oidc!: OidcConnectionResponseDto | null;
  @ApiPropertyOptional({ type: SamlConnectionResponseDto, nullable: true })
  saml!: SamlConnectionResponseDto | null;
  @ApiProperty({ type: [SsoMappingResponseDto], maxItems: 100 })
  mappings!: SsoMapping[];
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 50 })
  defaultRoles!: string[];
  @ApiProperty({ type: String, nullable: true, maxLength: 2048 }) redirectUrl!: string | null;
  /** Where people start signing in (send browsers here). */
  @ApiProperty({ maxLength: 2048 }) authorizeUrl!: string;
  /** The redirect URI / ACS URL to register at the IdP. */
  @ApiProperty({ maxLength: 2048 }) callbackUrl!: string;
  createdAt!: Date;
  updatedAt!: Date;

  static from(connection: SsoConnection, publicUrl: string): SsoConnectionResponseDto {
    const base = `${publicUrl}${apiPath('auth/sso', connection.id)}`;
    return {
      id: connection.id,
      name: connection.name,
      protocol: connection.protocol,
      enabled: connection.enabled,
      oidc: connection.oidc
        ? { ...connection.oidc, clientSecretSet: connection.clientSecretSealed !== null }
        : null,
      saml: connection.saml ? { ...connection.saml, acsUrl: `${base}/callback` } : null,
      mappings: connection.mappings,
      defaultRoles: connection.defaultRoles,
      redirectUrl: connection.redirectUrl,
      authorizeUrl: `${base}/authorize`,
      callbackUrl: `${base}/callback`,
      createdAt: connection.createdAt,
      updatedAt: connection.updatedAt,
    };
  }
}

export class SsoConnectionListDto {
  @ApiProperty({ type: [SsoConnectionResponseDto], maxItems: 100 })
  items!: SsoConnectionResponseDto[];
}

/** POST /auth/sso/token: the one-time code a client page received after sign-in. */
export class SsoCodeExchangeDto {
  @IsString()
  @Length(20, 100)
  code!: string;
}

/** Where the sign-in starts: the console's own page, or (unset) the connection's redirectUrl or a JSON answer. */
export const SSO_CLIENTS = ['console'] as const;
export type SsoClient = (typeof SSO_CLIENTS)[number];

export class SsoAuthorizeQueryDto {
  @ApiPropertyOptional({
    enum: SSO_CLIENTS,
    description:
      '`console`: after signing in, the browser goes to the admin console (`/console/sso-callback?code=`), whatever the connection’s redirectUrl.',
  })
  @IsOptional()
  @IsIn(SSO_CLIENTS)
  client?: SsoClient;
}

export class SsoSignInOptionsQueryDto {
  @ApiProperty({ description: 'The organization’s slug.', maxLength: 63 })
  @IsString()
  @Length(1, 63)
  organization!: string;
}

/** What a sign-in page needs to offer a connection: no configuration, no secret. */
export class SsoSignInOptionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 200 }) name!: string;
  @ApiProperty({ enum: ['oidc', 'saml'] }) protocol!: 'oidc' | 'saml';
  @ApiProperty({ maxLength: 2048, description: 'Send the browser here to sign in.' })
  authorizeUrl!: string;
}

export class SsoSignInOptionListDto {
  @ApiProperty({ type: [SsoSignInOptionDto], maxItems: 100 })
  items!: SsoSignInOptionDto[];
}
