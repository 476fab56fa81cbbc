import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { defaultConsoleDirectory } from '../../src/console/console-routes';
import { signInOwner, type SignedIn } from './principals';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app';

/** Debian's Chromium (`.ci/run` installs it); Playwright's own browser downloads cannot work here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where the browser tests put their screenshots; `CONSOLE_SCREENSHOTS=docs/screenshots` refreshes the README's. */
export const SCREENSHOT_DIR =
  process.env.CONSOLE_SCREENSHOTS ?? join(tmpdir(), 'warden-console-screenshots');

/** Debian's Chromium with the flags this machine needs (no sandbox as root, no background networking). */
export function launchChromiumOnly(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(join(defaultConsoleDirectory(), 'index.html'))) {
    throw new Error(
      'The console is not built: run `npm run build:console` (npm test does it first).',
    );
  }
  return launchChromiumOnly();
}

export interface ConsoleTab {
  context: BrowserContext;
  page: Page;
  /** Anything the page logged as an error: CSP refusals, uncaught exceptions, failed loads. */
  problems: string[];
}

/** A fresh browser profile (nothing shared with another tab) on the console at `path`. */
export async function openConsole(
  browser: Browser,
  baseUrl: string,
  path = '/console/',
  viewport = { width: 1280, height: 800 },
): Promise<ConsoleTab> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  // A step that waits longer than this has failed; Jest's own timeout would hide which one.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    // A failed load names no address in its text; its location does.
    if (message.type() === 'error') problems.push(`${message.text()} ${message.location().url}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  await page.goto(`${baseUrl}${path}`);
  return { context, page, problems };
}

export async function signInThroughConsole(
  page: Page,
  credentials: { organization: string; username: string; password: string },
): Promise<void> {
  await page.getByLabel('Organization').fill(credentials.organization);
  await page.getByLabel('Username or email').fill(credentials.username);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A fresh console tab on `path`, signed in as `who` (the sign-in form gone). */
export async function consoleSignedInAs(
  browser: Browser,
  baseUrl: string,
  credentials: { organization: string; username: string; password: string },
  path: string,
  viewport?: { width: number; height: number },
): Promise<ConsoleTab> {
  const tab = await openConsole(browser, baseUrl, path, viewport);
  await signInThroughConsole(tab.page, credentials);
  await tab.page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'detached' });
  return tab;
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/**
 * axe-core's WCAG 2 A/AA rules on the page as it is now; returns the serious
 * and critical violations (rule, help, where). Injected through the DevTools
 * protocol, so the page's CSP stays as strict as it is for people.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  // A tooltip left by the last click is checked mid-fade (partly transparent, so
  // low contrast): move the pointer off the page's controls and let it close first.
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.mouse.move(viewport.width - 1, viewport.height - 1);
  await page.locator('.MuiTooltip-popper').first().waitFor({ state: 'detached' });
  // A snackbar or dialog still fading in is measured half-transparent: let finite transitions end.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getComputedTiming().iterations !== Infinity)
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (...args: unknown[]) => Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations;
  });
  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.slice(0, 3).map((node) => node.target))}`,
    );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // The top of the screen (its title and first fields), wherever the journey scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** What a console test file shares: its app, the browser, the first Owner, and a way in as anyone. */
export interface ConsoleSuite {
  t: TestApp;
  browser: Browser;
  owner: SignedIn;
  /** A fresh tab on `path`, signed in as `username` of the test organization. */
  consoleAs(
    username: string,
    password: string,
    path: string,
    viewport?: { width: number; height: number },
  ): Promise<ConsoleTab>;
}

/**
 * Starts an app and Chromium before the file's tests and stops both after
 * them (Jest hooks of the calling `describe`); the fields are set once the
 * hooks have run.
 */
export function consoleSuite(options?: TestAppOptions): ConsoleSuite {
  const suite = {
    consoleAs: (username, password, path, viewport) =>
      consoleSignedInAs(
        suite.browser,
        suite.t.baseUrl,
        { organization: suite.t.config.bootstrap.orgSlug, username, password },
        path,
        viewport,
      ),
  } as ConsoleSuite;
  beforeAll(async () => {
    suite.t = await startTestApp(options);
    suite.browser = await launchChromium();
    suite.owner = await signInOwner(suite.t);
  }, 60_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.t?.close();
  });
  return suite;
}

/** The console's axe check as a Jest expectation. */
export async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}
