import { isSecretField, withoutSecrets } from './audit-secrets';

describe('audit secrets', () => {
  it.each([
    'password',
    'newPassword',
    'currentPassword',
    'passwordHash',
    'tokenHash',
    'clientSecret',
    'oidc.clientSecret',
    'accessToken',
    'refreshToken',
    'key',
    'apiKey',
    'privateKey',
    'credentials',
    'recoveryCodes',
  ])('strips %s', (field) => expect(isSecretField(field)).toBe(true));

  it.each([
    'settings.passwordMinLength',
    'passwordMinLength',
    'accessTokenTtlSeconds',
    'settings.passkeySignIn',
    'keyPrefix',
    'email',
    'roles',
  ])('keeps %s', (field) => expect(isSecretField(field)).toBe(false));

  it('strips at any depth and keeps the rest', () => {
    expect(
      withoutSecrets({
        'settings.passwordMinLength': { from: 8, to: 12 },
        oidc: { from: { clientId: 'a', clientSecret: 's' }, to: { clientId: 'b' } },
        password: { from: null, to: 'x' },
        list: [{ token: 't', name: 'n' }],
      }),
    ).toEqual({
      'settings.passwordMinLength': { from: 8, to: 12 },
      oidc: { from: { clientId: 'a' }, to: { clientId: 'b' } },
      list: [{ name: 'n' }],
    });
  });
});
