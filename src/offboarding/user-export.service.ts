import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ApplicationsService } from '../applications/applications.service';
import { AuditService } from '../audit/audit.service';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { MembershipsService } from '../directory/groups/memberships.service';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import { UserDirectoryService } from '../directory/users/user-directory.service';

/**
 * Everything about one user, for offboarding: profile, roles, groups,
 * sessions, API key metadata and applications (those the caller may see),
 * audit events. It gathers what several features hold, so it sits above them.
 */
@Injectable()
export class UserExportService {
  constructor(
    private readonly authz: AuthzService,
    private readonly users: UserDirectoryService,
    private readonly memberships: MembershipsService,
    private readonly sessions: SessionRevocationService,
    private readonly apiKeys: ApiKeysService,
    private readonly applications: ApplicationsService,
    private readonly audit: AuditService,
  ) {}

  async export(principal: Principal, id: string) {
    const user = await this.users.findVisible(principal, id);
    if (user.id !== principal.userId) {
      await this.authz.assert(
        principal,
        'read',
        asSubject('AuditEvent', { organizationId: principal.organizationId }),
      );
    }
    const groups =
      (await this.memberships.groupsOfUsers(principal.organizationId, [user.id])).get(user.id) ??
      [];
    const [sessions, apiKeys, applications, events] = await Promise.all([
      this.sessions.allOfUser(principal.organizationId, user.id),
      this.apiKeys.list(principal, { userId: user.id }),
      this.applications.reachableBy(
        principal,
        user.id,
        groups.map((group) => group.id),
      ),
      this.audit.eventsByOrAbout(principal.organizationId, user.id),
    ]);
    return { user, groups, sessions, apiKeys, applications, auditEvents: events };
  }
}
