import type { OrganizationSettings } from './organization.entity';

/** Defaults of every organization setting, in one place (README documents them). */
export const DEFAULT_ORGANIZATION_SETTINGS: Required<OrganizationSettings> = {
  allowRegistration: false,
  passwordMinLength: 8,
  accessTokenTtlSeconds: 15 * 60,
  sessionIdleTtlSeconds: 24 * 60 * 60,
  sessionAbsoluteTtlSeconds: 30 * 24 * 60 * 60,
  auditRetentionDays: 365,
  ssoEnforced: false,
  mfaRequired: 'off',
  passkeySignIn: false,
  mfaForSso: false,
};

export function effectiveSettings(settings: OrganizationSettings): Required<OrganizationSettings> {
  return { ...DEFAULT_ORGANIZATION_SETTINGS, ...settings };
}
