import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
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
  TokenResponseDto,
} from './dto/auth.dto';

@ApiTags('Authentication')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public() // signing in is how a caller gets credentials
  @Post('login')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with a password',
    description:
      'Unknown user, wrong password, inactive or locked account all answer the same 401.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts from this address; see Retry-After.',
  })
  login(@Body() body: LoginDto): Promise<TokenResponseDto> {
    return this.auth.login(body);
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
