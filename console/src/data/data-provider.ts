import type {
  CreateParams,
  DataProvider,
  DeleteParams,
  GetListParams,
  GetManyParams,
  GetOneParams,
  Identifier,
  RaRecord,
  UpdateParams,
} from 'react-admin';
import { HttpError } from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import type { paths } from '../api/schema';
import { auditQuery, type AuditFilter } from '../audit/audit-query';
import { forgetPages, readPage } from './cursor-pages';
import {
  ssoConnectionToCreate,
  ssoConnectionToUpdate,
  type SsoConnectionForm,
} from '../sso/sso-connection-form';

type User = Schemas['UserResponseDto'];
type UserSort = NonNullable<paths['/api/v1/users']['get']['parameters']['query']>['sort'];

const USER_SORTS = new Set(['createdAt', 'username', 'lastLoginAt']);

function listKey(resource: string, params: GetListParams): string {
  return `${resource}:${JSON.stringify([params.filter, params.sort, params.pagination?.perPage])}`;
}

function userSort(params: GetListParams): UserSort {
  const requested = params.sort?.field ?? '';
  const field = USER_SORTS.has(requested) ? requested : 'createdAt';
  return (params.sort?.order === 'ASC' ? field : `-${field}`) as UserSort;
}

/** Only the fields the API's PATCH takes, and only those that changed. */
function changedProfile(data: Partial<User>, previous: Partial<User>) {
  const patch: Schemas['UpdateUserDto'] = {};
  for (const field of ['username', 'email', 'displayName'] as const) {
    const value = data[field];
    // The API cannot clear these fields: an emptied input leaves them as they are.
    if (typeof value === 'string' && value !== '' && value !== previous[field])
      patch[field] = value;
  }
  return patch;
}

type Organization = Schemas['OrganizationResponseDto'];

/**
 * The name and the settings that changed: the API stores what it is sent, so
 * sending an unchanged default would pin it against a later change of default.
 */
function changedOrganization(data: Organization, previous: Organization) {
  const body: Schemas['UpdateOrganizationDto'] = {};
  if (data.name !== previous.name) body.name = data.name;
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data.settings)) {
    if (
      value !== undefined &&
      value !== null &&
      value !== previous.settings[key as keyof Organization['settings']]
    )
      settings[key] = value;
  }
  if (Object.keys(settings).length > 0) body.settings = settings;
  return body;
}

const sameRoles = (a: readonly string[] = [], b: readonly string[] = []) =>
  a.length === b.length && a.every((role) => b.includes(role));

const provider = {
  async getList(resource: string, params: GetListParams) {
    switch (resource) {
      case 'users': {
        const filter = params.filter as Record<string, string | undefined>;
        return readPage(listKey(resource, params), params.pagination?.page ?? 1, async (cursor) =>
          unwrap(
            await api.GET('/api/v1/users', {
              params: {
                query: {
                  q: filter.q || undefined,
                  role: filter.role || undefined,
                  status: (filter.status || undefined) as User['status'] | undefined,
                  groupId: filter.groupId || undefined,
                  sort: userSort(params),
                  limit: params.pagination?.perPage ?? 25,
                  cursor,
                },
              },
            }),
          ),
        );
      }
      case 'invites': {
        const filter = params.filter as { status?: Schemas['InviteResponseDto']['status'] };
        return readPage(listKey(resource, params), params.pagination?.page ?? 1, async (cursor) =>
          unwrap(
            await api.GET('/api/v1/invites', {
              params: {
                query: {
                  status: filter.status || undefined,
                  limit: params.pagination?.perPage ?? 25,
                  cursor,
                },
              },
            }),
          ),
        );
      }
      case 'audit': {
        const query = auditQuery(params.filter as AuditFilter);
        return readPage(listKey(resource, params), params.pagination?.page ?? 1, async (cursor) =>
          unwrap(
            await api.GET('/api/v1/audit-events', {
              params: { query: { ...query, limit: params.pagination?.perPage ?? 50, cursor } },
            }),
          ),
        );
      }
      case 'sessions': {
        const filter = params.filter as { userId?: string; active?: boolean };
        const query = {
          userId: filter.userId || undefined,
          status: filter.active ? ('active' as const) : undefined,
        };
        const { items } = unwrap(await api.GET('/api/v1/sessions', { params: { query } }));
        return { data: items, total: items.length };
      }
      case 'api-keys': {
        const filter = params.filter as { type?: 'personal' | 'system' };
        const query = { type: filter.type || undefined };
        const { items } = unwrap(await api.GET('/api/v1/api-keys', { params: { query } }));
        return { data: items, total: items.length };
      }
      case 'groups': {
        const { items } = unwrap(await api.GET('/api/v1/groups'));
        return { data: items, total: items.length };
      }
      case 'applications': {
        const filter = params.filter as { q?: string };
        return readPage(listKey(resource, params), params.pagination?.page ?? 1, async (cursor) =>
          unwrap(
            await api.GET('/api/v1/applications', {
              params: {
                query: {
                  q: filter.q || undefined,
                  limit: params.pagination?.perPage ?? 25,
                  cursor,
                },
              },
            }),
          ),
        );
      }
      case 'roles': {
        const roles = unwrap(await api.GET('/api/v1/roles'));
        return { data: roles.map((role) => ({ ...role, id: role.key })), total: roles.length };
      }
      case 'sso-connections': {
        const { items } = unwrap(await api.GET('/api/v1/sso-connections'));
        return { data: items, total: items.length };
      }
      default:
        throw new Error(`The console has no list of ${resource}.`);
    }
  },

  async getOne(resource: string, params: GetOneParams) {
    switch (resource) {
      case 'users': {
        const path = { id: String(params.id) };
        return { data: unwrap(await api.GET('/api/v1/users/{id}', { params: { path } })) };
      }
      case 'roles': {
        const roles = unwrap(await api.GET('/api/v1/roles'));
        const role = roles.find((candidate) => candidate.key === String(params.id));
        if (role === undefined) throw new HttpError('No such role.', 404);
        return { data: { ...role, id: role.key } };
      }
      case 'groups': {
        const path = { id: String(params.id) };
        return { data: unwrap(await api.GET('/api/v1/groups/{id}', { params: { path } })) };
      }
      case 'applications': {
        const path = { id: String(params.id) };
        return { data: unwrap(await api.GET('/api/v1/applications/{id}', { params: { path } })) };
      }
      case 'sso-connections': {
        const path = { id: String(params.id) };
        return {
          data: unwrap(await api.GET('/api/v1/sso-connections/{id}', { params: { path } })),
        };
      }
      case 'organization':
        // One record: the caller's organization, under a fixed id.
        return { data: { ...unwrap(await api.GET('/api/v1/organization')), id: 'current' } };
      default:
        throw new Error(`The console cannot read one of ${resource}.`);
    }
  },

  async getMany(resource: string, params: GetManyParams) {
    const records = await Promise.all(
      params.ids.map(async (id: Identifier): Promise<RaRecord> => {
        const { data } = await provider.getOne(resource, { id });
        return data;
      }),
    );
    return { data: records };
  },

  getManyReference(): Promise<never> {
    return Promise.reject(new Error('Not used by the console.'));
  },

  async create(resource: string, params: CreateParams) {
    if (resource === 'invites') {
      const input = params.data as Schemas['CreateInviteDto'];
      const body: Schemas['CreateInviteDto'] = {
        email: input.email,
        displayName: input.displayName || undefined,
        roles: input.roles,
        groupIds: input.groupIds?.length ? input.groupIds : undefined,
      };
      const created = unwrap(await api.POST('/api/v1/invites', { body }));
      forgetPages(resource);
      return { data: created };
    }
    if (resource === 'groups') {
      const input = params.data as Schemas['CreateGroupDto'];
      const body: Schemas['CreateGroupDto'] = {
        name: input.name,
        description: input.description || undefined,
        roles: input.roles,
      };
      return { data: unwrap(await api.POST('/api/v1/groups', { body })) };
    }
    if (resource === 'roles') {
      const input = params.data as Schemas['CreateRoleDto'];
      const body: Schemas['CreateRoleDto'] = {
        key: input.key,
        name: input.name,
        description: input.description || undefined,
        permissions: input.permissions ?? [],
      };
      const role = unwrap(await api.POST('/api/v1/roles', { body }));
      return { data: { ...role, id: role.key } };
    }
    if (resource === 'sso-connections') {
      const body = ssoConnectionToCreate(params.data as SsoConnectionForm);
      return { data: unwrap(await api.POST('/api/v1/sso-connections', { body })) };
    }
    if (resource === 'applications') {
      const input = params.data as Schemas['CreateApplicationDto'];
      const body = { name: input.name, description: input.description || undefined };
      const created = unwrap(await api.POST('/api/v1/applications', { body }));
      forgetPages(resource);
      return { data: created };
    }
    if (resource !== 'users') throw new Error(`The console cannot create ${resource}.`);
    const input = params.data as Schemas['CreateUserDto'];
    const created = unwrap(
      await api.POST('/api/v1/users', {
        body: {
          username: input.username,
          email: input.email || undefined,
          displayName: input.displayName || undefined,
          password: input.password,
          roles: input.roles?.length ? input.roles : undefined,
          groupIds: input.groupIds?.length ? input.groupIds : undefined,
        },
      }),
    );
    forgetPages(resource);
    return { data: created as unknown as RaRecord };
  },

  async update(resource: string, params: UpdateParams) {
    if (resource === 'groups') {
      const input = params.data as Schemas['UpdateGroupDto'];
      const body: Schemas['UpdateGroupDto'] = {
        name: input.name,
        description: input.description ?? undefined,
        roles: input.roles,
      };
      const path = { id: String(params.id) };
      return { data: unwrap(await api.PATCH('/api/v1/groups/{id}', { params: { path }, body })) };
    }
    if (resource === 'roles') {
      const input = params.data as Schemas['UpdateRoleDto'];
      const body: Schemas['UpdateRoleDto'] = {
        name: input.name,
        description: input.description || undefined,
        permissions: input.permissions,
      };
      const path = { key: String(params.id) };
      const role = unwrap(await api.PATCH('/api/v1/roles/{key}', { params: { path }, body }));
      return { data: { ...role, id: role.key } };
    }
    if (resource === 'sso-connections') {
      const body = ssoConnectionToUpdate(params.data as SsoConnectionForm);
      const path = { id: String(params.id) };
      return {
        data: unwrap(await api.PATCH('/api/v1/sso-connections/{id}', { params: { path }, body })),
      };
    }
    if (resource === 'organization') {
      const body = changedOrganization(
        params.data as Organization,
        params.previousData as Organization,
      );
      const updated = unwrap(await api.PATCH('/api/v1/organization', { body }));
      return { data: { ...updated, id: 'current' } };
    }
    if (resource === 'applications') {
      const input = params.data as Schemas['UpdateApplicationDto'];
      // An emptied description is cleared (the API takes null for that).
      const body = { name: input.name, description: input.description || null };
      const path = { id: String(params.id) };
      const updated = unwrap(
        await api.PATCH('/api/v1/applications/{id}', { params: { path }, body }),
      );
      return { data: updated };
    }
    if (resource !== 'users') throw new Error(`The console cannot change ${resource}.`);
    const path = { id: String(params.id) };
    const data = params.data as Partial<User>;
    const previous = params.previousData as Partial<User>;
    let user = previous as User;
    const patch = changedProfile(data, previous);
    if (Object.keys(patch).length > 0) {
      user = unwrap(await api.PATCH('/api/v1/users/{id}', { params: { path }, body: patch }));
    }
    if (data.roles !== undefined && !sameRoles(data.roles, previous.roles)) {
      user = unwrap(
        await api.PUT('/api/v1/users/{id}/roles', {
          params: { path },
          body: { roles: data.roles },
        }),
      );
    }
    return { data: user as unknown as RaRecord };
  },

  updateMany(): Promise<never> {
    return Promise.reject(new Error('Bulk changes go through the bulk actions.'));
  },

  async delete(resource: string, params: DeleteParams) {
    if (resource === 'groups') {
      const path = { id: String(params.id) };
      unwrap(await api.DELETE('/api/v1/groups/{id}', { params: { path } }));
      return { data: params.previousData as RaRecord };
    }
    if (resource === 'roles') {
      const path = { key: String(params.id) };
      unwrap(await api.DELETE('/api/v1/roles/{key}', { params: { path } }));
      return { data: params.previousData as RaRecord };
    }
    if (resource === 'sso-connections') {
      const path = { id: String(params.id) };
      unwrap(await api.DELETE('/api/v1/sso-connections/{id}', { params: { path } }));
      return { data: params.previousData as RaRecord };
    }
    if (resource === 'applications') {
      const path = { id: String(params.id) };
      unwrap(await api.DELETE('/api/v1/applications/{id}', { params: { path } }));
      forgetPages(resource);
      return { data: params.previousData as RaRecord };
    }
    if (resource !== 'users') throw new Error(`The console cannot delete ${resource}.`);
    const transferOwnershipTo = (params.meta as { transferOwnershipTo?: string } | undefined)
      ?.transferOwnershipTo;
    unwrap(
      await api.DELETE('/api/v1/users/{id}', {
        params: { path: { id: String(params.id) }, query: { transferOwnershipTo } },
      }),
    );
    forgetPages(resource);
    return { data: params.previousData as RaRecord };
  },

  deleteMany(): Promise<never> {
    return Promise.reject(new Error('Bulk deletion goes through the bulk actions.'));
  },
};

/**
 * react-admin types its provider generically over the record type each page
 * asks for; the methods above answer with the API's own (generated) types, so
 * the one cast is here.
 */
export const dataProvider = provider as unknown as DataProvider;
