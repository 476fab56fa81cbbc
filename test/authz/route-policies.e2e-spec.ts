import { RequestMethod, VERSION_NEUTRAL } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  AUTHENTICATED_ONLY,
  REQUIRED_PERMISSION,
  type RequiredPermission,
} from '../../src/authz/can.decorator';
import { AuthenticationGuard } from '../../src/auth/authentication.guard';
import { PoliciesGuard } from '../../src/authz/policies.guard';
import { HealthController } from '../../src/health/health.controller';
import { UsersController } from '../../src/users/users.controller';
import { IS_PUBLIC } from '../../src/authz/public.decorator';
import { API_PREFIX, API_VERSION } from '../../src/common/http/api-path';
import { startTestApp, type TestApp } from '../support/test-app';

/** Every route of the app with what guards it: public, authenticated (self-service) or a permission. */
function routeTable(t: TestApp): Array<{ route: string; guard: string }> {
  const discovery = t.app.get(DiscoveryService);
  const scanner = t.app.get(MetadataScanner);
  const reflector = t.app.get(Reflector);
  const rows: Array<{ route: string; guard: string }> = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!instance || !controller) continue;
    // As the app mounts it: /api/v1/<controller path>, or the bare path for version-neutral
    // controllers (probes, metrics), which sit outside the global prefix.
    const neutral = Reflect.getMetadata(VERSION_METADATA, controller) === VERSION_NEUTRAL;
    const prefix = [
      ...(neutral ? [] : [API_PREFIX, `v${API_VERSION}`]),
      String(Reflect.getMetadata(PATH_METADATA, controller) ?? ''),
    ].join('/');
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as (...args: unknown[]) => unknown;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const targets = [handler, controller];
      const required = reflector.getAllAndOverride<RequiredPermission | undefined>(
        REQUIRED_PERMISSION,
        targets,
      );
      const guard = reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)
        ? 'public'
        : reflector.getAllAndOverride<boolean>(AUTHENTICATED_ONLY, targets)
          ? 'authenticated'
          : required
            ? `${required.action} ${required.subject}`
            : 'NONE';
      rows.push({
        route: `${method} /${[prefix, path].filter((part) => part !== '' && part !== '/').join('/')}`,
        guard,
      });
    }
  }
  return rows.sort((a, b) => a.route.localeCompare(b.route));
}

describe('Every route declares who may call it', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('has no route with neither @Public() nor a policy', () => {
    const table = routeTable(t);
    expect(table.length).toBeGreaterThan(10);
    expect(table.filter((row) => row.guard === 'NONE')).toEqual([]);
  });

  // A diff here changes who can reach an endpoint: review it as a permission change.
  it('matches the reviewed permission of each route', () => {
    expect(routeTable(t).map((row) => `${row.route} -> ${row.guard}`)).toMatchSnapshot();
  });

  it('refuses (403) a signed-in caller on a route that declares no policy', async () => {
    // The guard is deny-by-default: proven on the live guard with a route stripped of metadata.
    const guard = t.app.get(PoliciesGuard);
    const handler = () => undefined;
    class Bare {}
    const context = {
      getHandler: () => handler,
      getClass: () => Bare,
      switchToHttp: () => ({
        getRequest: () => ({
          user: {
            organizationId: '00000000-0000-0000-0000-000000000000',
            userId: '00000000-0000-0000-0000-000000000001',
            username: 'x',
            email: null,
            ability: { can: () => true },
          },
        }),
      }),
    };
    await expect(guard.canActivate(context as never)).rejects.toMatchObject({ status: 403 });
  });

  it('let a public route, and a caller the ability permits, through without a promise', () => {
    // Nest awaits only a guard that returns a promise; each promise of a
    // request also pays for every AsyncLocalStorage in the process.
    const contextOf = (controller: object, handler: unknown, request: object) => ({
      getHandler: () => handler,
      getClass: () => controller,
      switchToHttp: () => ({ getRequest: () => request }),
    });
    const probe = contextOf(HealthController, HealthController.prototype.live, { query: {} });
    expect(t.app.get(AuthenticationGuard).canActivate(probe as never)).toBe(true);
    expect(t.app.get(PoliciesGuard).canActivate(probe as never)).toBe(true);
    const permitted = contextOf(UsersController, UsersController.prototype.list, {
      query: {},
      user: { ability: { can: () => true } },
    });
    expect(t.app.get(PoliciesGuard).canActivate(permitted as never)).toBe(true);
  });
});
