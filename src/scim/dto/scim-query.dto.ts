import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Query parameters of a SCIM list (RFC 7644 §3.4.2); numbers are read leniently as the RFC asks. */
export class ScimListQueryDto {
  /** A SCIM filter, e.g. `userName eq "ada@example.com"`. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  filter?: string;

  /** 1-based index of the first result; less than 1 is read as 1. */
  @ApiPropertyOptional({ type: String, pattern: '^-?[0-9]{1,10}$' })
  @IsOptional()
  @IsString()
  @MaxLength(11)
  startIndex?: string;

  /** Results per page (default 100, at most 1000); a negative count is read as 0. */
  @ApiPropertyOptional({ type: String, pattern: '^-?[0-9]{1,10}$' })
  @IsOptional()
  @IsString()
  @MaxLength(11)
  count?: string;

  /** Comma-separated attributes to return (besides id, schemas, meta). */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  attributes?: string;

  /** Comma-separated attributes to leave out (Entra ID: `members`). */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  excludedAttributes?: string;

  /** Accepted and ignored: this server does not sort (ServiceProviderConfig `sort.supported: false`). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sortBy?: string;

  @IsOptional()
  @IsString()
  @MaxLength(20)
  sortOrder?: string;
}

/** `attributes` / `excludedAttributes` on a single resource. */
export class ScimResourceQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  attributes?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  excludedAttributes?: string;
}
