import type { SignedIn } from '../support/principals';
import type { TestApp } from '../support/test-app';

export interface ScimResponse {
  status: number;
  headers: Record<string, string>;
  // The SCIM documents under test are free-form JSON.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An organization API key with the SCIM grant, issued by `owner`. */
export async function issueScimKey(t: TestApp, owner: SignedIn, name = 'SCIM'): Promise<string> {
  const response = await t.http
    .post('/api/v1/api-keys')
    .set('authorization', owner.auth)
    .send({ name, type: 'system', scim: true });
  if (response.status !== 201)
    throw new Error(`key: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.key as string;
}

/** A SCIM client as IdPs are: Bearer key, application/scim+json both ways. */
export function scimClient(t: TestApp, key: string) {
  const send = async (
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: string,
    body?: unknown,
    contentType = 'application/scim+json',
  ): Promise<ScimResponse> => {
    let request = t.http[method](`/scim/v2${path}`)
      .set('authorization', `Bearer ${key}`)
      .set('accept', 'application/scim+json')
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => done(null, text));
      });
    if (body !== undefined) {
      request = request
        .set('content-type', contentType)
        .send(typeof body === 'string' ? body : JSON.stringify(body));
    }
    const response = await request;
    const text = response.body as string;
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? undefined : JSON.parse(text),
    };
  };
  return {
    get: (path: string) => send('get', path),
    post: (path: string, body: unknown, contentType?: string) =>
      send('post', path, body, contentType),
    put: (path: string, body: unknown) => send('put', path, body),
    patch: (path: string, body: unknown) => send('patch', path, body),
    delete: (path: string) => send('delete', path),
  };
}

export type ScimClient = ReturnType<typeof scimClient>;

export function patchOp(...operations: Array<Record<string, unknown>>) {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** Asserts a SCIM Error body: status as a string, the scimType when given. */
export function expectScimError(response: ScimResponse, status: number, scimType?: string): void {
  expect({ status: response.status, contentType: response.headers['content-type'] }).toEqual({
    status,
    contentType: 'application/scim+json; charset=utf-8',
  });
  expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status) });
  expect(typeof response.body.detail).toBe('string');
  if (scimType !== undefined) expect(response.body.scimType).toBe(scimType);
}
