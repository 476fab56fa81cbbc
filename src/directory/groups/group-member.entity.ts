import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** One user's membership of one group. */
@Entity({ tableName: 'group_members' })
export class GroupMember {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  groupId!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  organizationId!: string;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date = new Date();
}
