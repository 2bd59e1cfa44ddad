// Headless Chromium from Debian (`/usr/bin/chromium`) driven by playwright-core. Playwright's own
// browser downloads are never used: only the package registries are reachable.

import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { artifactsDir } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A persistent context on a fresh user-data-dir (so no profile state leaks between runs).
 * Returns { context, close() }; `close()` also removes the profile.
 */
export async function launchBrowser({ viewport = { width: 1280, height: 900 }, colorScheme = 'light' } = {}) {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'robot-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport,
    colorScheme,
    timeout: 60_000,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Numbered full-page screenshots: `shot(page, 'login')` writes `artifacts/01-login.png`, the next
 * call `02-…`. Never throws: a failed screenshot must not hide the real failure.
 */
export function screenshotter() {
  let n = 0;
  return async function shot(page, step) {
    n += 1;
    const dir = await artifactsDir();
    const file = path.join(dir, `${String(n).padStart(2, '0')}-${step}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true, timeout: 15_000 });
    } catch (err) {
      process.stderr.write(`screenshot ${file} failed: ${err.message}\n`);
    }
    return file;
  };
}
