import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { canonicalJson } from '../common/crypto/canonical-json';

/** Names a key without revealing it: a prefix of a labelled SHA-256 of the secret. */
function keyIdOf(label: string, material: string | Buffer): string {
  return createHash('sha256')
    .update(label)
    .update('\0')
    .update(material)
    .digest('hex')
    .slice(0, 16);
}

/**
 * The keys that MAC the audit chain: the current one, which new events use,
 * and the previous ones, under which older events still verify. Keys live in
 * configuration (or under DATA_DIR), never in PostgreSQL, so someone who can
 * write the database cannot forge a MAC.
 */
export class AuditKeyring {
  readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(current: string, previous: readonly string[] = []) {
    for (const secret of [...previous, current]) {
      this.keys.set(keyIdOf('warden audit chain key', secret), Buffer.from(secret, 'utf8'));
    }
    this.currentId = keyIdOf('warden audit chain key', current);
  }

  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** A key this deployment used before the current one (rotating away from it is expected). */
  isPrevious(keyId: string): boolean {
    return keyId !== this.currentId && this.keys.has(keyId);
  }

  /** HMAC-SHA-256 of an event's hash under the key it names; undefined for an unknown key. */
  mac(keyId: string, hash: string): string | undefined {
    const key = this.keys.get(keyId);
    return key === undefined ? undefined : createHmac('sha256', key).update(hash).digest('hex');
  }

  macMatches(keyId: string, hash: string, mac: string): boolean {
    const expected = this.mac(keyId, hash);
    if (expected === undefined || expected.length !== mac.length) return false;
    return timingSafeEqual(Buffer.from(expected), Buffer.from(mac));
  }
}

/** What a checkpoint vouches for: an organization's chain reached `seq` with this head hash. */
export interface CheckpointStatement {
  organizationId: string;
  seq: string;
  head: string;
  /** ISO-8601 UTC. */
  at: string;
  /** The signing key's id (the JWK's `kid`). */
  keyId: string;
}

export interface SignedCheckpoint extends CheckpointStatement {
  /** Ed25519 over the canonical JSON of the statement, base64url. */
  signature: string;
}

/** The statement's bytes that are signed: canonical JSON, so any verifier rebuilds them exactly. */
export function checkpointBytes(statement: CheckpointStatement): Buffer {
  const { organizationId, seq, head, at, keyId } = statement;
  return Buffer.from(canonicalJson({ organizationId, seq, head, at, keyId }), 'utf8');
}

export interface Ed25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** Signs checkpoints with the deployment's Ed25519 key; its public half is served as a JWK. */
export class CheckpointSigner {
  readonly keyId: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(privatePem: string) {
    this.privateKey = createPrivateKey(privatePem);
    this.publicKey = createPublicKey(this.privateKey);
    this.keyId = keyIdOf(
      'warden audit signing key',
      this.publicKey.export({ type: 'spki', format: 'der' }),
    );
  }

  sign(statement: Omit<CheckpointStatement, 'keyId'>): SignedCheckpoint {
    const full: CheckpointStatement = { ...statement, keyId: this.keyId };
    const signature = sign(null, checkpointBytes(full), this.privateKey).toString('base64url');
    return { ...full, signature };
  }

  publicJwk(): Ed25519Jwk {
    const { x } = this.publicKey.export({ format: 'jwk' });
    return { kty: 'OKP', crv: 'Ed25519', x: x ?? '', kid: this.keyId, alg: 'EdDSA', use: 'sig' };
  }
}

/** Checks a checkpoint's signature against a published JWK (and that the JWK is the one it names). */
export function checkpointSignatureValid(checkpoint: SignedCheckpoint, jwk: Ed25519Jwk): boolean {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || checkpoint.keyId !== jwk.kid) return false;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    return verify(
      null,
      checkpointBytes(checkpoint),
      key,
      Buffer.from(checkpoint.signature, 'base64url'),
    );
  } catch {
    return false;
  }
}
