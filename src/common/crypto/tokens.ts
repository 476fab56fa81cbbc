import { createHash, randomBytes } from 'node:crypto';

/** A secret from the CSPRNG: 32 bytes (256 bits), base64url. Never a UUID. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex of a high-entropy secret (tokens, keys): fast lookups, no KDF needed. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
