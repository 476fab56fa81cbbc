import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { AuditActor } from '../audit/audit.service';

export interface UserDeleting {
  actor: AuditActor;
  organizationId: string;
  userId: string;
  /** Who inherits what the user owns (`transferOwnershipTo`), if anyone was named. */
  heirId: string | undefined;
}

export interface GroupDeleting {
  actor: AuditActor;
  organizationId: string;
  groupId: string;
}

/**
 * What a feature does when a user or a group it refers to goes away, inside
 * the deleting transaction (so its changes and audit events commit or roll
 * back with the deletion). A listener may refuse by throwing a problem.
 */
export interface DirectoryListener {
  userDeleting?(em: EntityManager, event: UserDeleting): Promise<void>;
  groupDeleting?(em: EntityManager, event: GroupDeleting): Promise<void>;
}

/**
 * The directory announces deletions to the features built on it, which
 * register themselves on start (OnModuleInit): the directory never imports
 * them, and a feature that keeps references to users or groups cleans them up.
 */
@Injectable()
export class DirectoryEvents {
  private readonly listeners: DirectoryListener[] = [];

  register(listener: DirectoryListener): void {
    this.listeners.push(listener);
  }

  async userDeleting(em: EntityManager, event: UserDeleting): Promise<void> {
    for (const listener of this.listeners) await listener.userDeleting?.(em, event);
  }

  async groupDeleting(em: EntityManager, event: GroupDeleting): Promise<void> {
    for (const listener of this.listeners) await listener.groupDeleting?.(em, event);
  }
}
