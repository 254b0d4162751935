import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type ConsoleMessage, type Page } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`); playwright-core downloads no browser of its own. */
export const CHROMIUM = process.env.METERD_TEST_CHROMIUM ?? '/usr/bin/chromium'
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** Screenshots every run takes (gitignored); `METERD_UPDATE_SCREENSHOTS=1` also refreshes the README's. */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'artifacts/console')
export const README_SCREENSHOTS_DIR = join(REPO_ROOT, 'docs/screenshots')

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserProblem(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set METERD_TEST_CHROMIUM)`
}

/**
 * Headless Chromium with a fresh profile, kept off the network: no background connections to
 * Google's hosts (refused here, and noisy), no QUIC, no GPU.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * What went wrong inside the page: uncaught errors, console errors and Content Security Policy
 * violations. A console that works under its strict CSP leaves this empty.
 */
export function collectPageProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`)
  })
  return problems
}

/**
 * Saves a screenshot of the viewport (`name.png`) and of the whole page (`name-full.png`) as
 * artifacts and, when asked, the viewport's for the README.
 */
export async function screenshot(page: Page, name: string, options: { readme?: boolean } = {}): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) })
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}-full.png`), fullPage: true })
  if (options.readme && process.env.METERD_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(README_SCREENSHOTS_DIR, { recursive: true })
    await page.screenshot({ path: join(README_SCREENSHOTS_DIR, `${name}.png`) })
  }
}
