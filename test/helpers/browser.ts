/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core
 * (never a downloaded browser). Without Chromium the suites are skipped, unless
 * KEYGATE_REQUIRE_BROWSER=1 makes that a failure. Screenshots go to docs/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'docs', 'screenshots');

/** A skip reason when there is no browser, or undefined when the browser tests must run. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  if (process.env.KEYGATE_REQUIRE_BROWSER === '1') {
    throw new Error(`KEYGATE_REQUIRE_BROWSER=1 but ${CHROMIUM_PATH} does not exist: install Debian's chromium`);
  }
  return `no Chromium at ${CHROMIUM_PATH}: browser tests skipped`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
    ],
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, name);
}
