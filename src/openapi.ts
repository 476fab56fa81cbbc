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
    .addTag('Service', 'Health probes and service metadata')
    .addTag(
      'SCIM 2.0',
      'Directory sync (RFC 7643/7644) at /scim/v2 for organization API keys issued with the SCIM grant; ' +
        'bodies are application/scim+json (application/json accepted), errors are SCIM Error documents. See README, Provisioning with SCIM.',
    );
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
  describeScim(document);
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

const SCIM_ERROR_SCHEMA = {
  type: 'object',
  description:
    'RFC 7644 §3.12 Error: the HTTP status as a string, scimType where the RFC names one.',
  required: ['schemas', 'status', 'detail'],
  properties: {
    schemas: {
      type: 'array',
      maxItems: 1,
      items: { type: 'string', enum: ['urn:ietf:params:scim:api:messages:2.0:Error'] },
    },
    status: { type: 'string', pattern: '^[1-5][0-9]{2}$', maxLength: 3 },
    scimType: {
      type: 'string',
      enum: [
        'invalidFilter',
        'tooMany',
        'uniqueness',
        'mutability',
        'invalidSyntax',
        'invalidPath',
        'noTarget',
        'invalidValue',
        'invalidVers',
        'sensitive',
      ],
    },
    detail: { type: 'string', maxLength: 2000 },
  },
};
const SCIM_RESOURCE_SCHEMA = {
  type: 'object',
  description:
    'A SCIM resource or ListResponse (RFC 7643/7644); see /scim/v2/Schemas for the attributes.',
  additionalProperties: true,
};

/**
 * SCIM operations speak application/scim+json both ways and answer errors as
 * SCIM Error documents (the error-format hook under /scim/v2); their path ids
 * of ResourceTypes and Schemas are names and URNs, not uuids.
 */
function describeScim(document: OpenAPIObject): void {
  document.components = document.components ?? {};
  document.components.schemas = {
    ...document.components.schemas,
    ScimErrorDocument: SCIM_ERROR_SCHEMA,
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/scim/v2')) continue;
    for (const operation of Object.values(item) as Array<Record<string, unknown>>) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation))
        continue;
      const responses = operation.responses as Record<
        string,
        { content?: Record<string, unknown> }
      >;
      for (const [status, response] of Object.entries(responses)) {
        if (response.content?.['application/problem+json']) {
          response.content = {
            'application/scim+json': { schema: { $ref: '#/components/schemas/ScimErrorDocument' } },
          };
        } else if (/^2/.test(status) && status !== '204') {
          response.content = { 'application/scim+json': { schema: SCIM_RESOURCE_SCHEMA } };
        }
      }
      const body = operation.requestBody as { content?: Record<string, unknown> } | undefined;
      if (body?.content?.['application/json']) {
        body.content['application/scim+json'] = body.content['application/json'];
      }
      if (/\/(ResourceTypes|Schemas)\/\{id\}$/.test(path)) {
        for (const parameter of (operation.parameters ?? []) as Array<Record<string, unknown>>) {
          if (parameter.in === 'path') parameter.schema = { type: 'string', maxLength: 200 };
        }
      }
    }
  }
}
