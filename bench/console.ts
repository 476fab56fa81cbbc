import type { Page, Response } from 'playwright-core';
import { launchChromiumOnly } from '../test/support/console-browser';

/**
 * The console's figures, in Debian's Chromium against a running API:
 * - the JavaScript the sign-in page downloads (bytes on the wire, compressed
 *   as served), before anything else is asked for;
 * - the users screen's first page at the seeded directory size: from the
 *   sign-in click to 25 rows shown, and (median of `repeat`) from a click on
 *   "Users" elsewhere in the console to 25 rows shown.
 */
export interface ConsoleFigures {
  initialScriptBytes: number;
  initialScripts: number;
  signInToUsersMs: number;
  usersFirstPageMs: number[];
}

async function firstPageShown(page: Page): Promise<void> {
  // 25 data rows beside the header row.
  await page.getByRole('row').nth(25).waitFor({ timeout: 30_000 });
}

export async function measureConsole(options: {
  baseUrl: string;
  organization: string;
  login: string;
  password: string;
  repeat?: number;
}): Promise<ConsoleFigures> {
  const browser = await launchChromiumOnly();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const scripts: Array<Promise<number>> = [];
    const onResponse = (response: Response) => {
      if (response.request().resourceType() === 'script') {
        scripts.push(
          response
            .request()
            .sizes()
            .then((sizes) => sizes.responseBodySize),
        );
      }
    };
    page.on('response', onResponse);
    await page.goto(`${options.baseUrl}/console/users`, { waitUntil: 'networkidle' });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const sizes = await Promise.all(scripts);
    page.off('response', onResponse);

    await page.getByLabel('Organization').fill(options.organization);
    await page.getByLabel('Username or email').fill(options.login);
    await page.getByLabel('Password').fill(options.password);
    const signInStarted = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await firstPageShown(page);
    const signInToUsersMs = performance.now() - signInStarted;

    const usersFirstPageMs: number[] = [];
    for (let run = 0; run < (options.repeat ?? 5); run += 1) {
      await page.getByRole('menuitem', { name: 'Groups' }).click();
      await page.getByRole('columnheader', { name: 'Members', exact: true }).waitFor();
      const started = performance.now();
      await page.getByRole('menuitem', { name: 'Users' }).click();
      await firstPageShown(page);
      usersFirstPageMs.push(performance.now() - started);
    }
    return {
      initialScriptBytes: sizes.reduce((sum, size) => sum + size, 0),
      initialScripts: sizes.length,
      signInToUsersMs,
      usersFirstPageMs,
    };
  } finally {
    await browser.close();
  }
}

/**
 * `npx ts-node --transpile-only bench/console.ts <base url> <password>`: the
 * console figures alone, against an API already running on a seeded database
 * (for instance the one `npm run bench` leaves in `warden_bench`).
 */
if (require.main === module) {
  const [baseUrl = 'http://127.0.0.1:3900', password = ''] = process.argv.slice(2);
  measureConsole({ baseUrl, organization: 'default', login: 'owner', password, repeat: 7 })
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
