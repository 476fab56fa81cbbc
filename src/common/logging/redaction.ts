/** Fields whose values never reach a log line, at any of the first three levels of nesting. */
const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'key',
  'apiKey',
  'secret',
  'clientSecret',
];

const SECRET_HEADERS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

export const REDACT_PATHS: string[] = [
  ...SECRET_HEADERS,
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

export const REDACTED = '[REDACTED]';
