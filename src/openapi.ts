import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ProblemDocumentDto } from './common/problem/problem-document.dto';

const PROBLEM_RESPONSES = [
  { status: 400, description: 'Malformed request or invalid fields.' },
  { status: 404, description: 'Not found (also: it belongs to another organization).' },
  { status: 413, description: 'The body is larger than the limit.' },
  { status: 415, description: 'Unsupported media type.' },
  { status: 429, description: 'Too many requests; see Retry-After.' },
  { status: 500, description: 'Unexpected error; quote the request id.' },
  { status: 503, description: 'A dependency is unavailable; see Retry-After.' },
];

/** The OpenAPI 3 document served at /openapi.json and linted by `npm run lint:openapi`. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Warden API')
    .setDescription(
      'Identity and access administration: users, roles, groups, sessions, API keys, invites, SSO and audit. ' +
        'Every error is an RFC 9457 application/problem+json document.',
    )
    .setVersion('1')
    .setContact('Warden', 'https://github.com/warden-iam/warden', 'security@warden.invalid')
    .setLicense('Proprietary', 'https://github.com/warden-iam/warden/blob/main/LICENSE')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT or API key' }, 'bearer')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (wdn_...)' },
      'apiKey',
    )
    // Deny by default: every operation needs a credential (either scheme) unless @Public() says otherwise.
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('apiKey')
    .addTag('Service', 'Health probes and service metadata');
  for (const response of PROBLEM_RESPONSES) {
    builder.addGlobalResponse({
      status: response.status,
      description: response.description,
      content: {
        'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDocumentDto' } },
      },
    });
  }
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ProblemDocumentDto],
  });
  // Relative: the API is wherever this document was fetched from (PUBLIC_URL in production).
  boundFormattedStrings(document);
  const server = {
    url: '/',
    description:
      'This Warden instance (production, staging or local: wherever this document was served from)',
    'x-internal': false,
  };
  document.servers = [server];
  return document;
}

/** Lengths that formatted strings cannot exceed anyway; stated so clients and linters know them. */
const FORMAT_MAX_LENGTH: Record<string, number> = { uuid: 36, 'date-time': 35, email: 254 };
/** Path parameters are route segments: ids are UUIDs, keys are role keys. */
const PATH_PARAMETER_SCHEMA: Record<string, object> = {
  id: { type: 'string', format: 'uuid', maxLength: 36 },
  userId: { type: 'string', format: 'uuid', maxLength: 36 },
  policyId: { type: 'string', format: 'uuid', maxLength: 36 },
  connectionId: { type: 'string', format: 'uuid', maxLength: 36 },
  key: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,49}$', maxLength: 50 },
};

function boundFormattedStrings(node: unknown, parentKey = ''): void {
  if (Array.isArray(node)) {
    node.forEach((item) => boundFormattedStrings(item, parentKey));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (
    record.in === 'path' &&
    typeof record.name === 'string' &&
    PATH_PARAMETER_SCHEMA[record.name]
  ) {
    record.schema = PATH_PARAMETER_SCHEMA[record.name];
  }
  if (record.type === 'string' && record.maxLength === undefined && record.enum === undefined) {
    const bound = typeof record.format === 'string' ? FORMAT_MAX_LENGTH[record.format] : undefined;
    if (bound !== undefined) record.maxLength = bound;
  }
  for (const [key, value] of Object.entries(record)) boundFormattedStrings(value, key);
}
