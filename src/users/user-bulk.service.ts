import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { Principal } from '../authz/principal';
import { ProblemException } from '../common/problem/problem';
import { toProblem } from '../common/problem/to-problem';
import { MembershipsService } from '../directory/groups/memberships.service';
import type { BulkResultDto, BulkUsersDto } from './dto/user.dto';
import { UserLifecycleService } from './user-lifecycle.service';
import { UserDirectoryService } from '../directory/users/user-directory.service';

function needs(field: 'role' | 'groupId', value: string | undefined): string {
  if (value === undefined) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, `This bulk action needs "${field}".`, {
      type: 'validation-failed',
      errors: [{ field, message: 'is required for this action' }],
    });
  }
  return value;
}

/**
 * POST /users/bulk: the single-user operations, one id at a time, each in its
 * own transaction with its own audit event, so one failure undoes nothing else.
 */
@Injectable()
export class UserBulkService {
  constructor(
    private readonly users: UserDirectoryService,
    private readonly lifecycle: UserLifecycleService,
    private readonly groups: MembershipsService,
  ) {}

  async run(principal: Principal, input: BulkUsersDto): Promise<BulkResultDto[]> {
    const role =
      input.action === 'addRole' || input.action === 'removeRole'
        ? needs('role', input.role)
        : undefined;
    const groupId = input.action === 'addToGroup' ? needs('groupId', input.groupId) : undefined;
    const results: BulkResultDto[] = [];
    for (const id of [...new Set(input.userIds)]) {
      try {
        switch (input.action) {
          case 'activate':
            await this.lifecycle.setStatus(principal, id, 'active');
            break;
          case 'deactivate':
            await this.lifecycle.setStatus(principal, id, 'inactive');
            break;
          case 'delete':
            await this.lifecycle.remove(principal, id);
            break;
          case 'addRole':
            await this.lifecycle.changeRole(principal, id, role ?? '', 'add');
            break;
          case 'removeRole':
            await this.lifecycle.changeRole(principal, id, role ?? '', 'remove');
            break;
          case 'addToGroup':
            await this.users.findVisible(principal, id);
            await this.groups.addMembers(principal, groupId ?? '', [id]);
            break;
        }
        results.push({ id, ok: true });
      } catch (error) {
        if (!(error instanceof HttpException)) throw error;
        const { type, title, status, detail } = toProblem(error, '').body;
        results.push({ id, ok: false, problem: { type, title, status, detail } });
      }
    }
    return results;
  }
}
