import { securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it('are helmet’s headers for the options, computed once', () => {
    const headers = securityHeaders({
      contentSecurityPolicy: {
        directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'] },
      },
    });
    expect(headers).toMatchObject({
      'content-security-policy': expect.stringContaining("img-src 'self' data:"),
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
    });
  });

  it('refuse an invalid policy at start-up, as helmet does', () => {
    expect(() =>
      securityHeaders({
        contentSecurityPolicy: { directives: { defaultSrc: ["'self'; script-src *"] } },
      }),
    ).toThrow();
  });
});
