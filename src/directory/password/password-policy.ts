import { commonPasswords } from './common-passwords';

export const ABSOLUTE_MIN_PASSWORD_LENGTH = 6;
export const DEFAULT_MIN_PASSWORD_LENGTH = 8;
/** Long passphrases are welcome (ASVS 6.2.9 asks for at least 64); this only bounds hashing work. */
export const MAX_PASSWORD_LENGTH = 256;

export interface PasswordContext {
  minLength?: number;
  username?: string | null;
  email?: string | null;
  organizationName?: string | null;
}

/**
 * ASVS 6.2: a minimum length (configurable, never below 6), no composition
 * rules, no truncation, no common passwords, no context words. Returns what
 * is wrong, in words a person can act on; empty when the password is fine.
 */
export function passwordProblems(password: string, context: PasswordContext = {}): string[] {
  const minLength = Math.max(
    ABSOLUTE_MIN_PASSWORD_LENGTH,
    context.minLength ?? DEFAULT_MIN_PASSWORD_LENGTH,
  );
  const length = [...password].length;
  if (length < minLength) return [`Use at least ${minLength} characters.`];
  if (length > MAX_PASSWORD_LENGTH) return [`Use at most ${MAX_PASSWORD_LENGTH} characters.`];

  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return ['This password is too common; choose another.'];

  const contextWords = [context.username, context.email?.split('@')[0], context.organizationName]
    .filter((word): word is string => typeof word === 'string' && word.length >= 3)
    .map((word) => word.toLowerCase());
  const found = contextWords.find((word) => lower.includes(word));
  return found === undefined
    ? []
    : [`The password must not contain "${found}" (your name, email or organization).`];
}
