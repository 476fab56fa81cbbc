import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { Authenticated } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { Public } from '../authz/public.decorator';
import { UserResponseDto } from '../directory/users/user-response.dto';
import { AuthService } from './auth.service';
import {
  LoginDto,
  RefreshDto,
  RegisteredResponseDto,
  RegisterDto,
  MfaChallengeResponseDto,
  MfaChallengeTokenDto,
  MfaVerifyDto,
  PasskeyOptionsDto,
  PasskeySignInDto,
  TokenResponseDto,
} from './dto/auth.dto';
import { MfaSignInService } from './mfa-sign-in.service';
import { PasskeySignInService } from './passkey-sign-in.service';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';

@ApiTags('Authentication')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly mfaSignIn: MfaSignInService,
    private readonly passkeySignIn: PasskeySignInService,
  ) {}

  @Public() // signing in is how a caller gets credentials
  @Post('login')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with a password',
    description:
      'Unknown user, wrong password, inactive or locked account all answer the same 401.',
  })
  @ApiExtraModels(TokenResponseDto, MfaChallengeResponseDto)
  @ApiOkResponse({
    description:
      'Tokens; or, for someone with a second factor, `mfaRequired: true` and a challenge for POST /auth/mfa/verify (no tokens yet).',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(TokenResponseDto) },
        { $ref: getSchemaPath(MfaChallengeResponseDto) },
      ],
    },
  })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts from this address; see Retry-After.',
  })
  login(@Body() body: LoginDto): Promise<TokenResponseDto | MfaChallengeResponseDto> {
    return this.auth.login(body);
  }

  @Public() // the challenge token from the password step is the credential
  @Post('mfa/verify')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Complete a password sign-in with a second factor',
    description:
      'A current TOTP code or an unused recovery code, with the challenge from POST /auth/login. Wrong codes count towards a lockout of their own.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts from this address; see Retry-After.',
  })
  verifySecondFactor(@Body() body: MfaVerifyDto): Promise<TokenResponseDto> {
    return this.mfaSignIn.verify(body);
  }

  @Public() // a passkey is the credential; offered per organization
  @Post('passkey/options')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Start a passwordless sign-in with a passkey',
    description:
      'Where the organization turned passkeySignIn on: options for navigator.credentials.get() and a ceremonyToken.',
  })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true } })
  passkeyOptions(@Body() body: PasskeyOptionsDto) {
    return this.passkeySignIn.options(body.organization);
  }

  @Public() // a passkey is the credential
  @Post('passkey/verify')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with a passkey alone (it is both factors)',
    description: 'The answer to the options from POST /auth/passkey/options.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  passkeyVerify(@Body() body: PasskeySignInDto): Promise<TokenResponseDto> {
    return this.passkeySignIn.verify(
      body.organization,
      body.ceremonyToken,
      body.webauthn as unknown as AuthenticationResponseJSON,
    );
  }

  @Public() // the challenge token from the password step is the credential
  @Post('mfa/webauthn/options')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Passkey options for the second step of a sign-in',
    description:
      'Pass them to navigator.credentials.get(); send the answer to POST /auth/mfa/verify as "webauthn".',
  })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true } })
  webAuthnOptions(@Body() body: MfaChallengeTokenDto) {
    return this.mfaSignIn.webAuthnOptions(body.challengeToken);
  }

  @Public() // the refresh token is the credential
  @Post('refresh')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description: 'A refresh token works once; presenting a used one revokes the session.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  refresh(@Body() body: RefreshDto): Promise<TokenResponseDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Authenticated('Sign out: revoke the current session')
  @Post('logout')
  @HttpCode(204)
  logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    return this.auth.logout(principal);
  }

  @Public() // self-registration, refused unless the organization allows it
  @Post('register')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Register as a User where the organization allows it' })
  @ApiCreatedResponse({ type: RegisteredResponseDto })
  async register(@Body() body: RegisterDto): Promise<RegisteredResponseDto> {
    const { user, ...tokens } = await this.auth.register(body);
    return { user: UserResponseDto.from(user), ...tokens };
  }
}
