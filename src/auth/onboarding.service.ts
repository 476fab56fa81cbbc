import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ACCOUNT_HOLDER_ROLE } from '../authz/matrix';
import { randomSecret } from '../common/crypto/tokens';
import { ProblemException } from '../common/problem/problem';
import { NO_REQUEST } from '../common/request-context';
import type { Organization } from '../tenancy/organization.entity';
import { TenancyService } from '../tenancy/tenancy.service';
import type { User } from '../directory/users/user.entity';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import { AuthService } from './auth.service';
import type { TokenResponseDto } from './dto/auth.dto';
import { PasswordHasher } from '../directory/password/password-hasher';

export interface NewOrganization {
  slug: string;
  name: string;
  owner: { username: string; email: string; password: string; displayName?: string };
}

/**
 * How organizations come to exist: the first one and its Owner at the first
 * start (BOOTSTRAP_*), and more through public sign-up when
 * ALLOW_ORGANIZATION_SIGNUP=true.
 */
@Injectable()
export class OnboardingService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
    private readonly organizations: TenancyService,
    private readonly users: UserDirectoryService,
    private readonly hasher: PasswordHasher,
    private readonly auth: AuthService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.organizations.count()) > 0) return;
    const { bootstrap } = this.config;
    const generated = bootstrap.ownerPassword === undefined;
    const password = bootstrap.ownerPassword ?? randomSecret(18);
    await this.create(
      {
        slug: bootstrap.orgSlug,
        name: bootstrap.orgName,
        owner: { username: bootstrap.ownerUsername, email: bootstrap.ownerEmail, password },
      },
      { checkPassword: !generated },
    );
    this.logger.log(
      `Created organization "${bootstrap.orgSlug}" and its Owner "${bootstrap.ownerUsername}"`,
    );
    if (generated) {
      // Shown once, at the only moment it exists in clear text; change it after signing in.
      process.stdout.write(
        `\n  First Owner: organization "${bootstrap.orgSlug}", login "${bootstrap.ownerUsername}", password: ${password}\n` +
          '  (shown once: sign in and change it with PUT /api/v1/me/password)\n\n',
      );
    }
  }

  /** POST /api/v1/organizations: a new organization, its Owner, and the Owner signed in. */
  async signUp(
    input: NewOrganization,
  ): Promise<{ organization: Organization; user: User; tokens: TokenResponseDto }> {
    if (!this.config.allowOrganizationSignup) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'Organization sign-up is disabled on this Warden (ALLOW_ORGANIZATION_SIGNUP).',
      );
    }
    const { organization, user } = await this.create(input, { checkPassword: true });
    const tokens = await this.auth.signIn(organization, user, 'registration', NO_REQUEST, null);
    return { organization, user, tokens };
  }

  private async create(input: NewOrganization, options: { checkPassword: boolean }) {
    if (options.checkPassword) {
      this.users.assertPassword(input.owner.password, input.owner, {
        name: input.name,
        settings: {},
      } as Organization);
    }
    const passwordHash = await this.hasher.hash(input.owner.password);
    return this.em.fork().transactional(async (em) => {
      const organization = await this.organizations.create(em, {
        slug: input.slug,
        name: input.name,
      });
      const user = await this.users.createSelf(
        organization,
        {
          username: input.owner.username,
          email: input.owner.email,
          displayName: input.owner.displayName ?? null,
          roles: [ACCOUNT_HOLDER_ROLE],
          passwordHash,
        },
        'user.created',
        em,
      );
      return { organization, user };
    });
  }
}
