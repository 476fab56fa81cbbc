import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import { selfOf } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import {
  EnrolTotpDto,
  MfaCodeDto,
  MfaConfirmedDto,
  MfaFactorDto,
  MfaFactorListDto,
  MfaProofDto,
  RecoveryCodesDto,
  RegisterPasskeyDto,
  TotpEnrolmentDto,
} from './dto/mfa.dto';
import { MfaService } from './mfa.service';
import { WebAuthnService } from './webauthn.service';

/** A person's own second factors. Enrolment needs a signed-in session (not an API key). */
@ApiTags('Multi-factor authentication')
@Controller('me/mfa')
export class MeMfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly webauthn: WebAuthnService,
  ) {}

  @Authenticated('Start registering a passkey: the options for navigator.credentials.create()')
  @Post('webauthn/registration-options')
  @HttpCode(200)
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true } })
  registrationOptions(@CurrentPrincipal() principal: Principal) {
    return this.webauthn.registrationOptions(principal);
  }

  @Authenticated(
    'Register a passkey with the browser’s answer (the first factor also returns recovery codes)',
  )
  @Post('webauthn')
  @ApiCreatedResponse({ type: MfaConfirmedDto })
  async registerPasskey(
    @CurrentPrincipal() principal: Principal,
    @Body() body: RegisterPasskeyDto,
  ): Promise<MfaConfirmedDto> {
    const { factor, recoveryCodes } = await this.webauthn.register(
      principal,
      body.name,
      body.response as unknown as RegistrationResponseJSON,
    );
    return { factor: MfaFactorDto.from(factor), recoveryCodes };
  }

  @Authenticated('The caller’s second factors (never their secrets) and recovery codes left')
  @Get()
  @ApiOkResponse({ type: MfaFactorListDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<MfaFactorListDto> {
    const userId = selfOf(principal);
    const [factors, recoveryCodesLeft] = await Promise.all([
      this.mfa.factorsOf(principal.organizationId, userId),
      this.mfa.recoveryCodesLeft(principal.organizationId, userId),
    ]);
    return { factors: factors.map((factor) => MfaFactorDto.from(factor)), recoveryCodesLeft };
  }

  @Authenticated('Start enrolling an authenticator app: its secret, shown this once')
  @Post('totp')
  @ApiCreatedResponse({ type: TotpEnrolmentDto })
  async enrolTotp(
    @CurrentPrincipal() principal: Principal,
    @Body() body: EnrolTotpDto,
  ): Promise<TotpEnrolmentDto> {
    const { factor, secret, otpauthUri } = await this.mfa.enrolTotp(principal, body.name);
    return { factor: MfaFactorDto.from(factor), secret, otpauthUri };
  }

  @Authenticated(
    'Confirm an enrolment with a current code (the first one also returns recovery codes)',
  )
  @Post('totp/:id/confirm')
  @HttpCode(200)
  @ApiOkResponse({ type: MfaConfirmedDto })
  async confirm(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: MfaCodeDto,
  ): Promise<MfaConfirmedDto> {
    const { factor, recoveryCodes } = await this.mfa.confirmTotp(principal, id, body.code);
    return { factor: MfaFactorDto.from(factor), recoveryCodes };
  }

  @Authenticated('Remove a factor: a current code, or a sign-in of the last five minutes')
  @Delete(':id')
  @HttpCode(204)
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: MfaProofDto,
  ): Promise<void> {
    return this.mfa.remove(principal, id, body?.code);
  }

  @Authenticated(
    'New recovery codes (the old ones stop working): a current code, or a recent sign-in',
  )
  @Post('recovery-codes')
  @HttpCode(200)
  @ApiOkResponse({ type: RecoveryCodesDto })
  async regenerate(
    @CurrentPrincipal() principal: Principal,
    @Body() body: MfaProofDto,
  ): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.mfa.regenerateRecoveryCodes(principal, body.code) };
  }
}
