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
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiSeeOtherResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { MfaChallengeResponseDto, TokenResponseDto } from '../auth/dto/auth.dto';
import { Public } from '../authz/public.decorator';
import { bindingCookie, bindingFrom, callbackPath, clearedBindingCookie } from './browser-binding';
import {
  SsoAuthorizeQueryDto,
  SsoCodeExchangeDto,
  SsoConnectionResponseDto,
  SsoSignInOptionListDto,
  SsoSignInOptionsQueryDto,
} from './dto/sso-connection.dto';
import { SsoConnectionsService } from './sso-connections.service';
import { type SsoOutcome, SsoFlowService } from './sso-flow.service';

/** The path SAML IdPs post to: the only route that accepts a form body. */
export const SSO_CALLBACK_ROUTE = callbackPath(':connectionId');

function answer(reply: FastifyReply, outcome: SsoOutcome): void {
  void reply.header('cache-control', 'no-store');
  if (outcome.kind === 'redirect') void reply.redirect(outcome.location, 303);
  else void reply.status(200).send(outcome.tokens);
}

@ApiTags('Single sign-on')
@Controller('auth/sso')
export class SsoAuthController {
  /** Secure cookies when Warden is reached over https (PUBLIC_URL); plain http in development. */
  private readonly secureCookies: boolean;

  constructor(
    private readonly flow: SsoFlowService,
    private readonly connections: SsoConnectionsService,
    private readonly config: AppConfig,
  ) {
    this.secureCookies = config.publicUrl.startsWith('https:');
  }

  @Public() // a sign-in page asks before anyone is signed in; names only, no configuration
  @Get('connections')
  @ApiOperation({
    summary: 'The SSO connections an organization’s sign-in page offers',
    description:
      'Enabled connections by name, with where to start each; an unknown organization has none.',
  })
  @ApiOkResponse({ type: SsoSignInOptionListDto })
  async signInOptions(@Query() query: SsoSignInOptionsQueryDto): Promise<SsoSignInOptionListDto> {
    const connections = await this.connections.signInOptions(query.organization);
    return {
      items: connections.map((connection) => {
        const { id, name, protocol, authorizeUrl } = SsoConnectionResponseDto.from(
          connection,
          this.config.publicUrl,
        );
        return { id, name, protocol, authorizeUrl };
      }),
    };
  }

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
    @Query() query: SsoAuthorizeQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { location, binding } = await this.flow.authorize(connectionId, query.client);
    void reply.header(
      'set-cookie',
      bindingCookie(connectionId, binding, {
        maxAgeSeconds: this.config.sso.stateTtlSeconds,
        secure: this.secureCookies,
      }),
    );
    void reply.redirect(location, 302);
  }

  @Public() // the identity provider's answer (or the SAML hand-over) is the credential
  @Get(':connectionId/callback')
  @ApiOperation({
    summary: 'OIDC callback, and the SAML hand-over: check the browser and sign in',
    description:
      'Needs the browser that started the sign-in (its `warden_sso` cookie from authorize). Answers with tokens, or, when the connection has a redirectUrl, sends the browser there with a one-time `code` for POST /api/v1/auth/sso/token.',
  })
  @ApiExtraModels(TokenResponseDto, MfaChallengeResponseDto)
  @ApiOkResponse({
    description:
      'Tokens; or, with mfaForSso and a second factor, a challenge for POST /auth/mfa/verify.',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(TokenResponseDto) },
        { $ref: getSchemaPath(MfaChallengeResponseDto) },
      ],
    },
  })
  @ApiSeeOtherResponse({ description: 'Location: the connection’s redirectUrl with ?code=' })
  async callback(
    @Param('connectionId', ParseUUIDPipe) connectionId: string,
    @Query() query: Record<string, string>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const binding = bindingFrom(request.headers.cookie);
    void reply.header('set-cookie', clearedBindingCookie(connectionId, this.secureCookies));
    answer(reply, await this.flow.callback(connectionId, query, binding));
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
    summary: 'SAML assertion consumer service: verify the response',
    description:
      'Hands the verified identity over to GET …/callback (303), where the browser that started the sign-in is checked by its cookie, which a cross-site POST does not carry.',
  })
  @ApiSeeOtherResponse({ description: 'Location: GET …/callback?handover=' })
  async samlCallback(
    @Param('connectionId', ParseUUIDPipe) connectionId: string,
    @Body() body: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const location = await this.flow.samlCallback(connectionId, body);
    void reply.header('cache-control', 'no-store').redirect(location, 303);
  }

  @Public() // the one-time code is the credential
  @Post('token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Exchange the one-time code from an SSO redirect for tokens' })
  @ApiExtraModels(TokenResponseDto, MfaChallengeResponseDto)
  @ApiOkResponse({
    description:
      'Tokens; or, when the organization asks SSO sign-ins for a second factor (mfaForSso), a challenge for POST /auth/mfa/verify.',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(TokenResponseDto) },
        { $ref: getSchemaPath(MfaChallengeResponseDto) },
      ],
    },
  })
  exchange(@Body() body: SsoCodeExchangeDto): Promise<TokenResponseDto | MfaChallengeResponseDto> {
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
