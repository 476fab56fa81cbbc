import { Controller, Get, Header, Param, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../../config/app-config';
import { Can } from '../authz/can.decorator';
import { notFound, SCIM_CONTENT_TYPE } from './scim-error';
import {
  listResponse,
  resourceTypes,
  schemaResources,
  serviceProviderConfig,
} from './scim-schemas';

/** What IdPs read to learn this server's abilities (RFC 7644 §4); Entra ID reads /Schemas when provisioning is set up. */
@ApiTags('SCIM 2.0')
@Controller({ path: 'scim/v2', version: VERSION_NEUTRAL })
export class ScimDiscoveryController {
  constructor(private readonly config: AppConfig) {}

  @Can('read', 'Scim', 'SCIM: what this server supports')
  @Get('ServiceProviderConfig')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  serviceProviderConfig() {
    return serviceProviderConfig(this.config.publicUrl);
  }

  @Can('read', 'Scim', 'SCIM: the resource types (User, Group)')
  @Get('ResourceTypes')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  resourceTypes() {
    const types = resourceTypes(this.config.publicUrl);
    return listResponse(types, types.length, 1);
  }

  @Can('read', 'Scim', 'SCIM: one resource type')
  @Get('ResourceTypes/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  resourceType(@Param('id') id: string) {
    const found = resourceTypes(this.config.publicUrl).find((type) => type.id === id);
    if (!found) throw notFound('Resource type');
    return found;
  }

  @Can('read', 'Scim', 'SCIM: the schemas (User, EnterpriseUser, Group)')
  @Get('Schemas')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  schemas() {
    const schemas = schemaResources(this.config.publicUrl);
    return listResponse(schemas, schemas.length, 1);
  }

  @Can('read', 'Scim', 'SCIM: one schema')
  @Get('Schemas/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  schema(@Param('id') id: string) {
    const found = schemaResources(this.config.publicUrl).find((schema) => schema.id === id);
    if (!found) throw notFound('Schema');
    return found;
  }
}
