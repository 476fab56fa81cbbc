import { ModulesContainer, NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../config/app-config';
import { WorkerModule } from '../../src/worker.module';
import { TEST_AUDIT_SIGNING_KEY } from '../support/test-app';

/**
 * What `npm run start:worker` builds: the queue workers on the infrastructure,
 * and none of the HTTP domain (sign-in, guards, passport, users, applications).
 * Preview mode resolves the module graph without connecting to anything.
 */
describe('The worker process (npm run start:worker)', () => {
  it('boots the mail and maintenance workers without the HTTP guards, passport or the user and application modules', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/unused',
      JWT_SECRET: randomBytes(32).toString('hex'),
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      AUDIT_CHAIN_KEY: randomBytes(32).toString('hex'),
      AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNING_KEY,
    });
    const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      preview: true,
      logger: false,
    });
    try {
      const modules = [...app.get(ModulesContainer).values()];
      const moduleNames = new Set(modules.map((module) => module.metatype.name));
      const providerNames = new Set(
        modules.flatMap((module) =>
          [...module.providers.keys()].map((token) =>
            typeof token === 'function' ? token.name : String(token),
          ),
        ),
      );
      for (const present of ['InviteDeliveryModule', 'MaintenanceModule', 'OutboxModule']) {
        expect(moduleNames.has(present)).toBe(true);
      }
      for (const absent of [
        'AuthModule',
        'PassportModule',
        'UsersModule',
        'ApplicationsModule',
        'GroupsModule',
        'InvitesModule',
        'SsoModule',
      ]) {
        expect({ module: absent, present: moduleNames.has(absent) }).toEqual({
          module: absent,
          present: false,
        });
      }
      for (const absent of ['PoliciesGuard', 'AuthenticationGuard', 'JwtStrategy', 'APP_GUARD']) {
        expect({ provider: absent, present: providerNames.has(absent) }).toEqual({
          provider: absent,
          present: false,
        });
      }
      expect(providerNames.has('MailProcessor')).toBe(true);
      expect(providerNames.has('MaintenanceProcessor')).toBe(true);
    } finally {
      await app.close();
    }
  });
});
