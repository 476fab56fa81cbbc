/**
 * Names of fields that hold credentials: a password, a secret, a token, a hash,
 * a key. Matched against a field's own name (the last part of a dotted path),
 * whole, so settings that only mention one (`passwordMinLength`,
 * `accessTokenTtlSeconds`, `passkeySignIn`) stay in the audit trail.
 */
const SECRET_FIELD =
  /^(?:.*password|.*passphrase|.*secret|.*token|.*hash|key|.*apikey|.*privatekey|credentials?|recoverycodes?)$/i;

export function isSecretField(key: string): boolean {
  return SECRET_FIELD.test(key.slice(key.lastIndexOf('.') + 1));
}

/** Removes credential fields at any depth: audit events never hold secrets. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !isSecretField(key))
      .map(([key, member]) => [key, withoutSecrets(member)]),
  );
}
