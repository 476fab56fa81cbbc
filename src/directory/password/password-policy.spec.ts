import { commonPasswords } from './common-passwords';
import { passwordProblems } from './password-policy';

describe('passwordProblems', () => {
  it('ships 3,000 common passwords', () => {
    expect(commonPasswords().size).toBe(3000);
    expect(commonPasswords().has('password')).toBe(true);
  });

  it('accepts a long passphrase without composition rules', () => {
    expect(passwordProblems('correct horse battery staple')).toEqual([]);
    expect(passwordProblems('x'.repeat(40) + 'y'.repeat(40))).toEqual([]); // 80 characters, no truncation
  });

  it('enforces the organization minimum, never below 6', () => {
    expect(passwordProblems('zq8#vw', { minLength: 8 })).toEqual(['Use at least 8 characters.']);
    expect(passwordProblems('zq8#v', { minLength: 4 })).toEqual(['Use at least 6 characters.']);
    expect(passwordProblems('zq8#vw', { minLength: 4 })).toEqual([]);
  });

  it('refuses common passwords whatever their case', () => {
    expect(passwordProblems('Password1')).toEqual(['This password is too common; choose another.']);
    expect(passwordProblems('QWERTYUIOP')).toEqual([
      'This password is too common; choose another.',
    ]);
  });

  it('refuses context words: username, email name, organization name', () => {
    expect(passwordProblems('alice-the-great', { username: 'Alice' })[0]).toMatch(/"alice"/);
    expect(passwordProblems('my bobsmith pass', { email: 'bobsmith@example.com' })[0]).toMatch(
      /"bobsmith"/,
    );
    expect(passwordProblems('acmecorp rules!', { organizationName: 'AcmeCorp' })[0]).toMatch(
      /"acmecorp"/,
    );
  });
});
