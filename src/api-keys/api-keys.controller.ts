import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyListDto,
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  ListApiKeysQueryDto,
} from './dto/api-key.dto';

@ApiTags('API keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Can('read', 'ApiKey', 'API keys the caller may see: their own, or the organization’s')
  @Get()
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListApiKeysQueryDto,
  ): Promise<ApiKeyListDto> {
    return {
      items: (await this.apiKeys.list(principal, query)).map((key) => ApiKeyResponseDto.from(key)),
      nextCursor: null,
    };
  }

  @Can('create', 'ApiKey', 'Create a personal key; the secret is in this response only')
  @Post()
  @Header('cache-control', 'no-store')
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    const { key, secret } = await this.apiKeys.create(principal, body);
    return { ...ApiKeyResponseDto.from(key), key: secret };
  }

  @Can('revoke', 'ApiKey', 'Revoke a key: it stops working on the next request')
  @Delete(':id')
  @HttpCode(204)
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.apiKeys.revoke(principal, id);
  }
}
