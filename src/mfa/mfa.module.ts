import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { SecretBox } from '../common/crypto/secret-box';
import { DirectoryModule } from '../directory/directory.module';
import { MfaFactor } from './entities/mfa-factor.entity';
import { RecoveryCode } from './entities/recovery-code.entity';
import { MeMfaController } from './me-mfa.controller';
import { MFA_SECRETS, MfaService } from './mfa.service';
import { UserMfaController } from './user-mfa.controller';
import { WebAuthnService } from './webauthn.service';

/** Second factors (TOTP, recovery codes): self-service, admin reset, and the check sign-in asks for. */
@Module({
  imports: [MikroOrmModule.forFeature([MfaFactor, RecoveryCode]), DirectoryModule],
  controllers: [MeMfaController, UserMfaController],
  providers: [
    {
      provide: MFA_SECRETS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (config.secretsKey === undefined)
          throw new Error('SECRETS_ENCRYPTION_KEY is not resolved');
        return new SecretBox(config.secretsKey, 'mfa totp secrets');
      },
    },
    MfaService,
    WebAuthnService,
  ],
  exports: [MfaService, WebAuthnService],
})
export class MfaModule {}
