import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The app under fuzz: as production runs it, except that queue workers stay
 * off (nothing changes rows between requests but the requests themselves) and
 * the per-IP sign-in limit is out of the way of generated sign-ins.
 */
export function startFuzzApp(): Promise<TestApp> {
  return startTestApp({
    env: { WORKERS_ENABLED: 'false', LOGIN_IP_MAX_ATTEMPTS: '100000', LOG_LEVEL: 'warn' },
  });
}
