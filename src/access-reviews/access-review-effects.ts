import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ApiKey } from '../api-keys/entities/api-key.entity';
import { Application } from '../applications/entities/application.entity';
import { type AuditActor, AuditService } from '../audit/audit.service';
import { ACCOUNT_HOLDER_ROLE } from '../authz/matrix';
import { Group } from '../directory/groups/group.entity';
import { MembershipsService } from '../directory/groups/memberships.service';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import { User } from '../directory/users/user.entity';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import { scoped } from '../infra/database/organization-owned.entity';
import type { AccessReviewItem, ItemOutcome } from './entities/access-review-item.entity';

export interface Revocation {
  outcome: Extract<ItemOutcome, 'revoked' | 'alreadyRemoved'>;
  /** Run after the commit: the change reaches every instance on the user's next request. */
  announce: () => Promise<void>;
}

export const NOTHING = (): Promise<void> => Promise.resolve();

/**
 * What a `revoke` decision does, through the same in-transaction operations
 * the admin endpoints use (with their invariants: the last Owner keeps the
 * role), each audited with the campaign as the reason. Access that is gone
 * already is reported as such, not as an error.
 */
@Injectable()
export class AccessReviewEffects {
  constructor(
    private readonly audit: AuditService,
    private readonly users: UserDirectoryService,
    private readonly memberships: MembershipsService,
    private readonly sessions: SessionRevocationService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async revoke(
    em: EntityManager,
    item: AccessReviewItem,
    actor: AuditActor,
    reason: string,
  ): Promise<Revocation> {
    const organizationId = item.organizationId;
    const gone: Revocation = { outcome: 'alreadyRemoved', announce: NOTHING };
    const announceUser = () => this.sessions.invalidateUser(item.userId);
    switch (item.kind) {
      case 'role': {
        const user = await em.findOne(User, { id: item.userId }, scoped(organizationId));
        if (user === null || !user.roles.includes(item.resourceId)) return gone;
        if (item.resourceId === ACCOUNT_HOLDER_ROLE)
          await this.users.assertAnotherActiveHolder(em, user);
        const before = [...user.roles];
        user.roles = before.filter((key) => key !== item.resourceId);
        await em.flush();
        await this.audit.record(em, {
          organizationId,
          actor,
          action: 'user.rolesChanged',
          target: { type: 'User', id: user.id },
          reason,
          changes: { roles: { from: before, to: user.roles } },
        });
        return { outcome: 'revoked', announce: announceUser };
      }
      case 'group': {
        const group = await em.findOne(Group, { id: item.resourceId }, scoped(organizationId));
        if (group === null) return gone;
        const member = await this.memberships.memberOf(em, item.userId, [group.id]);
        if (!member.has(group.id)) return gone;
        await this.memberships.removeFromGroupInTransaction(em, group, [item.userId]);
        await this.audit.record(em, {
          organizationId,
          actor,
          action: 'group.memberRemoved',
          target: { type: 'Group', id: group.id },
          reason,
          changes: { members: { removed: [item.userId] }, inheritedRoles: group.roles },
        });
        return { outcome: 'revoked', announce: announceUser };
      }
      case 'application': {
        const application = await em.findOne(
          Application,
          { id: item.resourceId },
          scoped(organizationId),
        );
        if (application === null || !application.assignedUserIds.includes(item.userId)) return gone;
        application.assignedUserIds = application.assignedUserIds.filter(
          (id) => id !== item.userId,
        );
        await em.flush();
        await this.audit.record(em, {
          organizationId,
          actor,
          action: 'application.assigned',
          target: { type: 'Application', id: application.id },
          reason,
          changes: {
            users: { added: [], removed: [item.userId] },
            groups: { added: [], removed: [] },
          },
        });
        return { outcome: 'revoked', announce: announceUser };
      }
      case 'apiKey': {
        const key = await em.findOne(ApiKey, { id: item.resourceId }, scoped(organizationId));
        if (key === null || !(await this.apiKeys.revokeInTransaction(em, key, actor, reason)))
          return gone;
        return { outcome: 'revoked', announce: () => this.apiKeys.announceRevoked(key.id) };
      }
    }
  }
}
