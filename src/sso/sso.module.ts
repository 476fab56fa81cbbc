import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AuthModule } from '../auth/auth.module';
import { SecretBox } from '../common/crypto/secret-box';
import { DirectoryModule } from '../directory/directory.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { SsoConnection } from './entities/sso-connection.entity';
import { SsoIdentity } from './entities/sso-identity.entity';
import { OidcFlowService } from './oidc-flow.service';
import { OutboundGuard } from './outbound-guard';
import { SamlFlowService } from './saml-flow.service';
import { SsoAuthController } from './sso-auth.controller';
import { SsoConnectionsController } from './sso-connections.controller';
import { SSO_SECRETS, SsoConnectionsService } from './sso-connections.service';
import { SsoFlowService } from './sso-flow.service';
import { SsoSignInService } from './sso-sign-in.service';
import { SsoStateStore } from './sso-state.store';

/** SSO: connections per organization (OIDC, SAML), the sign-in flows and just-in-time provisioning. */
@Module({
  imports: [
    MikroOrmModule.forFeature([SsoConnection, SsoIdentity]),
    AuthModule,
    UsersModule,
    DirectoryModule,
    SessionsModule,
  ],
  controllers: [SsoConnectionsController, SsoAuthController],
  providers: [
    {
      provide: OutboundGuard,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new OutboundGuard(config.sso.allowedNetworks, config.sso.httpTimeoutMs),
    },
    {
      provide: SSO_SECRETS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (config.secretsKey === undefined)
          throw new Error('SECRETS_ENCRYPTION_KEY is not resolved');
        return new SecretBox(config.secretsKey, 'sso client secrets');
      },
    },
    SsoConnectionsService,
    SsoStateStore,
    SsoSignInService,
    OidcFlowService,
    SamlFlowService,
    SsoFlowService,
  ],
})
export class SsoModule {}
