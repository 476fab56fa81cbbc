/** Schema URNs (RFC 7643 §8.7, RFC 7644 §3). */
export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

export const SCIM_BASE_PATH = '/scim/v2';
/** Most resources a list answers at once; a larger `count` is lowered to it (RFC 7644 §3.4.2.4). */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

type AttributeType = 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';

/** An attribute definition as /Schemas publishes it (RFC 7643 §7); also the canonical spelling of names. */
export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttributeDefinition[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

function attribute(
  name: string,
  description: string,
  options: Partial<Omit<AttributeDefinition, 'name' | 'description'>> = {},
): AttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const USER_ATTRIBUTES: AttributeDefinition[] = [
  attribute(
    'userName',
    'Unique identifier for the user: a Warden username (a handle or an email address).',
    {
      required: true,
      uniqueness: 'server',
    },
  ),
  attribute('name', "The components of the user's name.", {
    type: 'complex',
    subAttributes: [
      attribute('formatted', 'The full name, formatted for display.'),
      attribute('familyName', 'The family name.'),
      attribute('givenName', 'The given name.'),
    ],
  }),
  attribute('displayName', 'The name shown for the user.'),
  attribute('locale', 'Default location, e.g. en-US.'),
  attribute('active', 'Whether the user may sign in. false deactivates: sessions end at once.', {
    type: 'boolean',
  }),
  attribute(
    'password',
    'Sets the password (checked against the organization policy); never returned.',
    {
      mutability: 'writeOnly',
      returned: 'never',
    },
  ),
  attribute(
    'emails',
    "The user's email address; Warden keeps one (the primary, else the work one).",
    {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attribute('value', 'The email address.'),
        attribute('type', 'work, home or other.', { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'The primary address.', { type: 'boolean' }),
        attribute('display', 'A label for the address.'),
      ],
    },
  ),
  attribute(
    'groups',
    'The SCIM-managed groups the user belongs to (read-only: change members on the group).',
    {
      type: 'complex',
      multiValued: true,
      mutability: 'readOnly',
      subAttributes: [
        attribute('value', 'The group id.', { mutability: 'readOnly' }),
        attribute('$ref', 'The group URI.', {
          type: 'reference',
          referenceTypes: ['Group'],
          mutability: 'readOnly',
        }),
        attribute('display', 'The group name.', { mutability: 'readOnly' }),
      ],
    },
  ),
];

const ENTERPRISE_ATTRIBUTES: AttributeDefinition[] = [
  attribute('employeeNumber', 'Numeric or alphanumeric identifier assigned by the organization.'),
  attribute('costCenter', 'Name of a cost center.'),
  attribute('organization', 'Name of an organization.'),
  attribute('division', 'Name of a division.'),
  attribute('department', 'Name of a department.'),
  attribute('manager', "The user's manager.", {
    type: 'complex',
    subAttributes: [
      attribute('value', "The id of the manager's user.", { caseExact: true }),
      attribute('$ref', "The manager's URI.", { type: 'reference', referenceTypes: ['User'] }),
      attribute('displayName', "The manager's display name.", { mutability: 'readOnly' }),
    ],
  }),
];

const GROUP_ATTRIBUTES: AttributeDefinition[] = [
  attribute('displayName', 'The group name; unique in the organization, ignoring case.', {
    required: true,
    uniqueness: 'server',
  }),
  attribute('members', 'The users of the group.', {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attribute('value', 'The user id.', { caseExact: true, mutability: 'immutable' }),
      attribute('$ref', 'The user URI.', {
        type: 'reference',
        referenceTypes: ['User'],
        mutability: 'immutable',
      }),
      attribute('display', "The user's display name.", { mutability: 'readOnly' }),
      attribute('type', 'User (groups of groups are not supported).', {
        canonicalValues: ['User'],
        mutability: 'immutable',
      }),
    ],
  }),
];

/** Attributes every resource has (RFC 7643 §3.1), canonical spellings only. */
const COMMON_ATTRIBUTES = ['id', 'externalId', 'meta', 'schemas'];

export const SCHEMAS = [
  { id: SCHEMA.user, name: 'User', description: 'User account', attributes: USER_ATTRIBUTES },
  {
    id: SCHEMA.enterpriseUser,
    name: 'EnterpriseUser',
    description: 'Enterprise user',
    attributes: ENTERPRISE_ATTRIBUTES,
  },
  { id: SCHEMA.group, name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES },
];

/**
 * Canonical spelling of every attribute name a resource type knows, by lower
 * case: bodies and paths name attributes case-insensitively (RFC 7643 §2.1;
 * Microsoft's test collection sends "Department" and "Primary").
 */
export function canonicalNames(resource: 'User' | 'Group'): Map<string, string> {
  const names = new Map<string, string>();
  const add = (definitions: AttributeDefinition[]) => {
    for (const definition of definitions) {
      names.set(definition.name.toLowerCase(), definition.name);
      if (definition.subAttributes) add(definition.subAttributes);
    }
  };
  for (const name of COMMON_ATTRIBUTES) names.set(name.toLowerCase(), name);
  for (const name of ['created', 'lastModified', 'resourceType', 'location', 'version'])
    names.set(name.toLowerCase(), name);
  add(resource === 'User' ? [...USER_ATTRIBUTES, ...ENTERPRISE_ATTRIBUTES] : GROUP_ATTRIBUTES);
  return names;
}

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SCHEMA.serviceProviderConfig],
    documentationUri: `${baseUrl}/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: true },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          'An organization API key issued with SCIM provisioning, sent as Authorization: Bearer <key>.',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${baseUrl}${SCIM_BASE_PATH}/ServiceProviderConfig`,
    },
  };
}

export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: [SCHEMA.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User account',
      schema: SCHEMA.user,
      schemaExtensions: [{ schema: SCHEMA.enterpriseUser, required: false }],
      meta: {
        resourceType: 'ResourceType',
        location: `${baseUrl}${SCIM_BASE_PATH}/ResourceTypes/User`,
      },
    },
    {
      schemas: [SCHEMA.resourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: SCHEMA.group,
      schemaExtensions: [],
      meta: {
        resourceType: 'ResourceType',
        location: `${baseUrl}${SCIM_BASE_PATH}/ResourceTypes/Group`,
      },
    },
  ];
}

export function schemaResources(baseUrl: string) {
  return SCHEMAS.map((schema) => ({
    schemas: [SCHEMA.schema],
    ...schema,
    meta: { resourceType: 'Schema', location: `${baseUrl}${SCIM_BASE_PATH}/Schemas/${schema.id}` },
  }));
}

export function listResponse<T>(resources: T[], totalResults: number, startIndex: number) {
  return {
    schemas: [SCHEMA.listResponse],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
