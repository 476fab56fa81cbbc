import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000CreateOrganizations } from '../migrations/Migration20261122000000CreateOrganizations';
import { Migration20261122010000IdentityAndAudit } from '../migrations/Migration20261122010000IdentityAndAudit';
import { Migration20261122020000Groups } from '../migrations/Migration20261122020000Groups';
import { Migration20261122030000ApiKeys } from '../migrations/Migration20261122030000ApiKeys';
import { Migration20261123000000InvitesAndOutbox } from '../migrations/Migration20261123000000InvitesAndOutbox';
import { Migration20261123010000PartitionAuditEvents } from '../migrations/Migration20261123010000PartitionAuditEvents';
import { Migration20261123020000Applications } from '../migrations/Migration20261123020000Applications';
import { Migration20261123030000UserLastLoginSortIndex } from '../migrations/Migration20261123030000UserLastLoginSortIndex';
import { Migration20261123040000SsoConnections } from '../migrations/Migration20261123040000SsoConnections';
import { Migration20261204000000AccountLockout } from '../migrations/Migration20261204000000AccountLockout';
import { Migration20261204010000KeyedAuditChain } from '../migrations/Migration20261204010000KeyedAuditChain';
import { Migration20261204020000ScimProvisioning } from '../migrations/Migration20261204020000ScimProvisioning';
import { Migration20261204030000MultiFactor } from '../migrations/Migration20261204030000MultiFactor';
import { Migration20261204040000MfaEnrolmentSessions } from '../migrations/Migration20261204040000MfaEnrolmentSessions';
import { Migration20261204050000Passkeys } from '../migrations/Migration20261204050000Passkeys';
import { Migration20261204060000PasskeySignIn } from '../migrations/Migration20261204060000PasskeySignIn';
import { Migration20261204070000SsoSecondFactor } from '../migrations/Migration20261204070000SsoSecondFactor';
import { Migration20261204080000ApplicationPolicyVersion } from '../migrations/Migration20261204080000ApplicationPolicyVersion';
import { Migration20261204090000UserSearchIndex } from '../migrations/Migration20261204090000UserSearchIndex';
import { Migration20261204100000AccessReviews } from '../migrations/Migration20261204100000AccessReviews';
import { Migration20261206000000DropDuplicateUserSearchIndex } from '../migrations/Migration20261206000000DropDuplicateUserSearchIndex';
import { Migration20261206010000GroupMembersByUser } from '../migrations/Migration20261206010000GroupMembersByUser';
import { Migration20261206020000OwedInvalidations } from '../migrations/Migration20261206020000OwedInvalidations';

/**
 * Every migration, in order. Listed explicitly (not discovered by glob) so the
 * same list runs from TypeScript under Jest and from dist/ in production.
 * `npm run migration:create` writes a new file into migrations/: add it here.
 */
export const migrationsList: MigrationObject[] = [
  {
    name: 'Migration20261122000000CreateOrganizations',
    class: Migration20261122000000CreateOrganizations,
  },
  {
    name: 'Migration20261122010000IdentityAndAudit',
    class: Migration20261122010000IdentityAndAudit,
  },
  { name: 'Migration20261122020000Groups', class: Migration20261122020000Groups },
  { name: 'Migration20261122030000ApiKeys', class: Migration20261122030000ApiKeys },
  {
    name: 'Migration20261123000000InvitesAndOutbox',
    class: Migration20261123000000InvitesAndOutbox,
  },
  {
    name: 'Migration20261123010000PartitionAuditEvents',
    class: Migration20261123010000PartitionAuditEvents,
  },
  { name: 'Migration20261123020000Applications', class: Migration20261123020000Applications },
  {
    name: 'Migration20261123030000UserLastLoginSortIndex',
    class: Migration20261123030000UserLastLoginSortIndex,
  },
  { name: 'Migration20261123040000SsoConnections', class: Migration20261123040000SsoConnections },
  {
    name: 'Migration20261204000000AccountLockout',
    class: Migration20261204000000AccountLockout,
  },
  {
    name: 'Migration20261204010000KeyedAuditChain',
    class: Migration20261204010000KeyedAuditChain,
  },
  {
    name: 'Migration20261204020000ScimProvisioning',
    class: Migration20261204020000ScimProvisioning,
  },
  { name: 'Migration20261204030000MultiFactor', class: Migration20261204030000MultiFactor },
  {
    name: 'Migration20261204040000MfaEnrolmentSessions',
    class: Migration20261204040000MfaEnrolmentSessions,
  },
  { name: 'Migration20261204050000Passkeys', class: Migration20261204050000Passkeys },
  { name: 'Migration20261204060000PasskeySignIn', class: Migration20261204060000PasskeySignIn },
  {
    name: 'Migration20261204070000SsoSecondFactor',
    class: Migration20261204070000SsoSecondFactor,
  },
  {
    name: 'Migration20261204080000ApplicationPolicyVersion',
    class: Migration20261204080000ApplicationPolicyVersion,
  },
  {
    name: 'Migration20261204090000UserSearchIndex',
    class: Migration20261204090000UserSearchIndex,
  },
  { name: 'Migration20261204100000AccessReviews', class: Migration20261204100000AccessReviews },
  {
    name: 'Migration20261206000000DropDuplicateUserSearchIndex',
    class: Migration20261206000000DropDuplicateUserSearchIndex,
  },
  {
    name: 'Migration20261206010000GroupMembersByUser',
    class: Migration20261206010000GroupMembersByUser,
  },
  {
    name: 'Migration20261206020000OwedInvalidations',
    class: Migration20261206020000OwedInvalidations,
  },
];
