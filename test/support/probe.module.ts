import { EntityManager } from '@mikro-orm/postgresql';
import { Body, Controller, Get, HttpCode, Module, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { Public } from '../../src/authz/public.decorator';
import { Organization } from '../../src/tenancy/organization.entity';

class ProbeOwnerDto {
  @IsString()
  @Length(3, 50)
  username!: string;
}

class ProbeEchoDto {
  @IsString()
  @Length(3, 20)
  name!: string;

  @IsInt()
  @Min(1)
  count!: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => ProbeOwnerDto)
  owner?: ProbeOwnerDto;
}

class ProbeOrganizationDto {
  @IsString()
  slug!: string;

  @IsString()
  name!: string;
}

class ProbeSlowQueryDto {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(5_000)
  ms!: number;
}

/**
 * Test-only routes that exercise the real validation pipe, exception filter,
 * database and shutdown path, so cross-cutting behaviour is tested over HTTP
 * before the feature routes that will rely on it exist.
 */
@Public()
@Controller('test-probe')
class ProbeController {
  constructor(private readonly em: EntityManager) {}

  @Post('echo')
  @HttpCode(200)
  echo(@Body() body: ProbeEchoDto): ProbeEchoDto {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('internal detail: password=hunter2 at /srv/warden/src/secret.ts:42');
  }

  @Post('organizations')
  async createOrganization(@Body() body: ProbeOrganizationDto): Promise<{ id: string }> {
    const organization = this.em.create(Organization, { slug: body.slug, name: body.name });
    await this.em.persistAndFlush(organization);
    return { id: organization.id };
  }

  @Get('organizations/count')
  async countOrganizations(): Promise<{ count: number }> {
    return { count: await this.em.count(Organization) };
  }

  @Get('slow')
  async slow(@Query() query: ProbeSlowQueryDto): Promise<{ waited: number }> {
    await new Promise((resolve) => setTimeout(resolve, query.ms));
    return { waited: query.ms };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
