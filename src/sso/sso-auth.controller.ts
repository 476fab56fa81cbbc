import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiSeeOtherResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { TokenResponseDto } from '../auth/dto/auth.dto';
import { Public } from '../authz/public.decorator';
import { SsoCodeExchangeDto } from './dto/sso-connection.dto';
import { type SsoOutcome, SsoFlowService } from './sso-flow.service';

/** The path SAML IdPs post to: the only route that accepts a form body. */
export const SSO_CALLBACK_ROUTE = '/api/v1/auth/sso/:connectionId/callback';

function answer(reply: FastifyReply, outcome: SsoOutcome): void {
  void reply.header('cache-control', 'no-store');
  if (outcome.kind === 'redirect') void reply.redirect(outcome.location, 303);
  else void reply.status(200).send(outcome.tokens);
}

@ApiTags('Single sign-on')
@Controller('api/v1/auth/sso')
export class SsoAuthController {
  constructor(private readonly flow: SsoFlowService) {}

  @Public() // where a browser starts signing in, before it has any credential
  @Get(':connectionId/authorize')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Start signing in through an SSO connection',
    description: 'Redirects the browser to the identity provider (OIDC or SAML).',
  })
  @ApiFoundResponse({ description: 'Location: the identity provider' })
  async authorize(
    @Param('connectionId', ParseUUIDPipe) connectionId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    void reply.redirect(await this.flow.authorize(connectionId), 302);
  }

  @Public() // the identity provider's answer is the credential
  @Get(':connectionId/callback')
  @ApiOperation({
    summary: 'OIDC callback: redeem the code and sign in',
    description:
      'Answers with tokens, or, when the connection has a redirectUrl, sends the browser there with a one-time `code` for POST /api/v1/auth/sso/token.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiSeeOtherResponse({ description: 'Location: the connection’s redirectUrl with ?code=' })
  async oidcCallback(
    @Param('connectionId', ParseUUIDPipe) connectionId: string,
    @Query() query: Record<string, string>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    answer(reply, await this.flow.oidcCallback(connectionId, query));
  }

  @Public() // the signed SAML response is the credential
  @Post(':connectionId/callback')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['SAMLResponse', 'RelayState'],
      properties: {
        SAMLResponse: { type: 'string', maxLength: 350_000 },
        RelayState: { type: 'string', maxLength: 100 },
      },
    },
  })
  @ApiOperation({
    summary: 'SAML assertion consumer service: verify the response and sign in',
    description: 'Same answers as the OIDC callback.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiSeeOtherResponse({ description: 'Location: the connection’s redirectUrl with ?code=' })
  async samlCallback(
    @Param('connectionId', ParseUUIDPipe) connectionId: string,
    @Body() body: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    answer(reply, await this.flow.samlCallback(connectionId, body));
  }

  @Public() // the one-time code is the credential
  @Post('token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Exchange the one-time code from an SSO redirect for tokens' })
  @ApiOkResponse({ type: TokenResponseDto })
  exchange(@Body() body: SsoCodeExchangeDto): Promise<TokenResponseDto> {
    return this.flow.exchange(body.code);
  }

  @Public() // what an IdP administrator imports; holds no secret
  @Get(':connectionId/metadata')
  @Header('content-type', 'application/samlmetadata+xml; charset=utf-8')
  @ApiProduces('application/samlmetadata+xml')
  @ApiOperation({ summary: 'SAML service provider metadata of a connection' })
  @ApiOkResponse({ schema: { type: 'string', maxLength: 100_000 } })
  metadata(@Param('connectionId', ParseUUIDPipe) connectionId: string): Promise<string> {
    return this.flow.serviceProviderMetadata(connectionId);
  }
}
