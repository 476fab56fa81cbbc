import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: ReadonlySet<string> | undefined;

/**
 * The 3,000 most common passwords (ASVS 6.2.4), lower-cased, one per line in
 * common-passwords.txt: the top of the ranked "passwords" list of
 * @zxcvbn-ts/language-common 4.1.3 (MIT), shipped so no network is needed.
 */
export function commonPasswords(): ReadonlySet<string> {
  cached ??= new Set(
    readFileSync(join(__dirname, 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  return cached;
}
