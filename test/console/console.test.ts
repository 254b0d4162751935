import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { after, before, describe, it } from 'node:test'
import {
  BatchMeterUsageCommand,
  type MarketplaceMeteringClient,
  MeterUsageCommand,
  ResolveCustomerCommand,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering'
import type { Browser, Page } from 'playwright-core'
import { CONSOLE_SECURITY_HEADERS } from '../../src/console/security-headers.js'
import { browserProblem, collectPageProblems, launchChromium, screenshot } from '../helpers/browser.js'
import { BUYER, CUSTOMER, errorOf, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'

/**
 * The console in a real browser (Debian's Chromium through playwright-core) against a real meterd,
 * used as a person would: sign in, watch usage arrive, read charts and tables, filter, open, set
 * the clock, add fault rules, export, subscribe a buyer. One browser page and one meterd for the
 * whole suite; the tests run in order and build on each other's data.
 */
const CI = process.env.CI === 'true'
const HOUR = 3_600_000
/** meterd's clock (and the real clock under it) stands here: Thursday 15 October 2026, 12:30:20 UTC. */
const NOW = Date.UTC(2026, 9, 15, 12, 30, 20)
const problem = browserProblem()
if (problem && CI) throw new Error(`the console's browser tests need Chromium: ${problem}`)
if (problem) console.error(`\n*** SKIPPING the console's browser tests: ${problem} ***\n`)

/** What meterd serves at /console/ (no browser needed). */
describe('console: the files and their headers', () => {
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd()
  })
  after(() => meterd.close())

  it('serves the console at /console/ with its security headers: strict CSP, nosniff, no framing, no referrer', async () => {
    const redirect = await fetch(`${meterd.url}/console`, { redirect: 'manual' })
    assert.deepEqual([redirect.status, redirect.headers.get('location')], [302, '/console/'])
    await redirect.arrayBuffer()
    const index = await fetch(`${meterd.url}/console/`)
    assert.equal(index.status, 200)
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8')
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) assert.equal(index.headers.get(name), value, name)
    assert.equal(index.headers.get('cache-control'), 'no-cache')
    const html = await index.text()
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'an inline script')
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    assert.ok(script, html)
    const asset = await fetch(`${meterd.url}${script}`)
    assert.ok((await asset.clone().arrayBuffer()).byteLength > 10_000)
    assert.deepEqual(
      [asset.status, asset.headers.get('content-type'), asset.headers.get('cache-control')],
      [200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    )
    const missing = await fetch(`${meterd.url}/console/assets/nothing.js`)
    assert.deepEqual([missing.status, await missing.text()], [404, 'no console file assets/nothing.js'])
  })
})

describe('console: the web UI in a real browser', { skip: problem }, () => {
  let meterd: TestMeterd
  let seller: MarketplaceMeteringClient
  let buyer: MarketplaceMeteringClient
  let browser: Browser
  let page: Page
  let problems: string[]
  const requests: { url: string; authorization: string | undefined }[] = []
  let refusedMessage: string
  let fulfillment: Server
  const posted: string[] = []

  const batch = (records: UsageRecord[], productCode = 'demo-saas') =>
    seller.send(new BatchMeterUsageCommand({ ProductCode: productCode, UsageRecords: records }))
  const record = (atMs: number, dimension: string, quantity: number, extra: Partial<UsageRecord> = {}): UsageRecord => ({
    Timestamp: new Date(atMs),
    CustomerIdentifier: CUSTOMER,
    Dimension: dimension,
    Quantity: quantity,
    ...extra,
  })
  const open = async (label: string) => {
    await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: label, exact: true }).click()
    await page.getByRole('heading', { level: 1, name: label }).waitFor()
  }
  /**
   * The cells of a table's body rows. With `expected`, once they are that; with `until`, once it
   * has that many rows with that text in that column. On a timeout the caller's assertion shows
   * the difference. The waits are functions, not strings: the console's CSP forbids eval.
   */
  const tableRows = async (
    testId: string,
    wait: { expected?: string[][]; until?: { rows: number; column: number; text: string } } = {},
  ) => {
    await page.locator(`[data-testid="${testId}"]`).waitFor()
    // Runs in the page; typed loosely, as this suite compiles without the DOM's types.
    const cells = (id: string): string[][] =>
      [...(globalThis as any).document.querySelectorAll(`[data-testid="${id}"] tbody tr:not(.detail-row)`)].map((row: any) =>
        [...row.cells].map((cell: any) => String(cell.textContent).trim()),
      )
    if (wait.expected || wait.until) {
      await page
        .waitForFunction(
          ({ id, expected, until }) => {
            const rows = [...(globalThis as any).document.querySelectorAll(`[data-testid="${id}"] tbody tr:not(.detail-row)`)].map(
              (row: any) => [...row.cells].map((cell: any) => String(cell.textContent).trim()),
            )
            return expected
              ? JSON.stringify(rows) === expected
              : rows.length === until!.rows && rows.every((row) => row[until!.column] === until!.text)
          },
          { id: testId, expected: wait.expected && JSON.stringify(wait.expected), until: wait.until },
        )
        .catch(() => undefined)
    }
    return page.evaluate(cells, testId)
  }
  const downloadText = async (click: () => Promise<void>) => {
    const [download] = await Promise.all([page.waitForEvent('download'), click()])
    return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') }
  }

  before(async () => {
    meterd = await startMeterd({ nowMs: NOW })
    seller = meterd.client({ ...SELLER })
    buyer = meterd.client({ ...BUYER })
    // A known data set: users 2 late on 14 October (UTC; already the 15th in Tokyo), users 3 + 5 and
    // api_calls 1000 + 250 (200 for team a, 50 for team b) on the 15th.
    await batch([
      record(NOW - 13 * HOUR, 'users', 2),
      record(NOW - 3 * HOUR, 'users', 3),
      record(NOW - 2 * HOUR, 'users', 5),
      record(NOW - 3 * HOUR, 'api_calls', 1000),
      record(NOW - HOUR, 'api_calls', 250, {
        UsageAllocations: [
          { AllocatedUsageQuantity: 200, Tags: [{ Key: 'team', Value: 'a' }] },
          { AllocatedUsageQuantity: 50, Tags: [{ Key: 'team', Value: 'b' }] },
        ],
      }),
    ])
    refusedMessage = (await errorOf(() => batch([record(NOW - HOUR, 'nonexistent', 1)]))).message
    fulfillment = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => {
        posted.push(body)
        response.writeHead(200, { 'content-type': 'text/plain' }).end('registered')
      })
    })
    await new Promise<void>((resolve) => fulfillment.listen(0, '127.0.0.1', resolve))
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', locale: 'en-US' })
    page = await context.newPage()
    page.setDefaultTimeout(10_000)
    problems = collectPageProblems(page)
    page.on('request', (request) => requests.push({ url: request.url(), authorization: request.headers().authorization }))
  })
  after(async () => {
    await browser?.close()
    fulfillment?.closeAllConnections()
    await new Promise((resolve) => fulfillment?.close(resolve))
    await meterd?.close()
  })

  it('refuses a wrong admin token with meterd’s answer, then signs in with the right one', async () => {
    await page.goto(`${meterd.url}/console/`)
    await page.getByLabel('Admin token').fill('not-the-admin-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.equal(await alert.textContent(), 'meterd refused this token: missing or wrong admin token: send Authorization: Bearer <token>')
    await screenshot(page, 'login')
    await page.getByLabel('Admin token').fill(meterd.server.adminToken)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    // The browser logged the refused attempt's 401 as a failed resource; from here on, nothing may fail.
    problems.length = 0
    assert.equal(await page.getByTestId('endpoint').textContent(), meterd.url)
    assert.equal(
      await page.getByTestId('world-line').textContent(),
      '2 accounts · 4 products · 1 customer · 4 licenses (4 in force) · World',
    )
  })

  it('shows a record metered through the JS SDK live on the overview (no reload) and first in the records table', async () => {
    const accepted = page.getByTestId('counter-accepted').locator('.counter-value')
    await accepted.filter({ hasText: /^4$/ }).waitFor()
    await page.evaluate('window.notReloaded = true')
    const answer = await buyer.send(
      new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: new Date(NOW), UsageDimension: 'hosts', UsageQuantity: 7 }),
    )
    await accepted.filter({ hasText: /^5$/ }).waitFor()
    assert.equal(await page.evaluate('window.notReloaded'), true)
    await page.getByTestId('calls-table').getByText('MeterUsage', { exact: true }).waitFor()
    await page.getByTestId('recent-refused').getByText('InvalidUsageDimensionException').waitFor()
    await screenshot(page, 'overview', { readme: true })

    await open('Records')
    const first = page.locator('[data-testid="records-table"] tbody tr').first()
    await first.and(page.locator(`[data-record-id="${answer.MeteringRecordId}"]`)).waitFor()
    const [cells] = await tableRows('records-table')
    assert.deepEqual(cells!.slice(1, 8), ['2026-10-15 12:00:00', 'demo-ami', 'account 222222222222', 'hosts', '7', 'Success', 'MeterUsage'])
    await page.getByRole('button', { name: `Details of record ${answer.MeteringRecordId}` }).click()
    const detail = page.getByTestId('record-detail')
    await detail.waitFor()
    assert.match((await detail.textContent())!, new RegExp(`MeteringRecordId${answer.MeteringRecordId}`))
    assert.match((await detail.textContent())!, /Calleraccount 222222222222 · AKIAMETERDBUYER00001/)
    await screenshot(page, 'records')
  })

  it('charts usage per day with the right totals, prices it after a price is set on the World page, follows the time zone, and downloads what it shows as CSV', async () => {
    await open('World')
    const price = page.getByRole('form', { name: "Set a dimension's price" })
    await price.getByLabel('Dimension', { exact: true }).selectOption({ label: 'demo-saas · users' })
    await price.getByLabel('Price per unit (USD)').fill('1.5')
    await price.getByRole('button', { name: 'Set price' }).click()
    await price.getByText('Price of demo-saas · users saved.').waitFor()

    await open('Usage')
    const filters = page.getByRole('form', { name: 'Usage filters' })
    await filters.getByLabel('Product', { exact: true }).selectOption('demo-saas')
    await filters.getByRole('button', { name: 'Apply filters' }).click()
    const utc = [
      ['2026-10-14', 'demo-saas · users', '2', '1', '$3.00'],
      ['2026-10-15', 'demo-saas · api_calls', '1,250', '2', 'unpriced'],
      ['2026-10-15', 'demo-saas · users', '8', '2', '$12.00'],
    ]
    assert.deepEqual(await tableRows('usage-table', { expected: utc }), utc)
    assert.equal(await page.getByTestId('usage-total-quantity').textContent(), '1,260')
    assert.equal(await page.getByTestId('usage-estimate').textContent(), '$15.00')
    assert.equal(await page.locator('[data-testid="usage-table"] tfoot tr').textContent(), 'Total1,2605$15.00')
    await screenshot(page, 'usage', { readme: true })

    const csv = await downloadText(() => page.getByRole('button', { name: 'Download CSV' }).click())
    assert.equal(csv.name, 'meterd-usage-per-day-UTC.csv')
    assert.equal(
      csv.text,
      'window,dimension,quantity,records,estimatedAmountUsd\n2026-10-14,demo-saas · users,2,1,3\n2026-10-15,demo-saas · api_calls,1250,2,\n2026-10-15,demo-saas · users,8,2,12\n',
    )

    await page.getByLabel('Time zone').selectOption('Asia/Tokyo')
    const tokyo = [
      ['2026-10-15', 'demo-saas · api_calls', '1,250', '2', 'unpriced'],
      ['2026-10-15', 'demo-saas · users', '10', '3', '$15.00'],
    ]
    assert.deepEqual(await tableRows('usage-table', { expected: tokyo }), tokyo)

    await filters.getByLabel('Stack by').selectOption('tag')
    await filters.getByLabel('Tag key').fill('team')
    await filters.getByLabel('Per').selectOption('hour')
    await filters.getByRole('button', { name: 'Apply filters' }).click()
    const byTeam = [
      ['2026-10-15 20:00', 'a', '200', '1', 'unpriced'],
      ['2026-10-15 20:00', 'b', '50', '1', 'unpriced'],
    ]
    assert.deepEqual(await tableRows('usage-table', { expected: byTeam }), byTeam)
    await page.getByLabel('Time zone').selectOption('UTC')
  })

  it('filters the audit trail to the refused call and opens it: parameters, error, caller', async () => {
    await open('Audit trail')
    const filters = page.getByRole('form', { name: 'Audit filters' })
    await filters.getByLabel('Failed calls only').check()
    await filters.getByLabel('Error code').fill('InvalidUsageDimensionException')
    await filters.getByRole('button', { name: 'Apply filters' }).click()
    const rows = await tableRows('audit-table', { until: { rows: 1, column: 3, text: 'InvalidUsageDimensionException' } })
    assert.equal(rows.length, 1)
    assert.deepEqual(rows[0]!.slice(1, 4), ['BatchMeterUsage', '111111111111AKIAMETERDSELLER0001', 'InvalidUsageDimensionException'])
    await page.getByRole('button', { name: /^Details of the BatchMeterUsage call / }).click()
    const detail = page.getByTestId('audit-detail')
    await detail.waitFor()
    assert.equal(await page.getByTestId('audit-error').textContent(), `InvalidUsageDimensionException ${refusedMessage}`)
    const request = JSON.parse((await detail.getByLabel('Request parameters').textContent())!)
    assert.deepEqual(request.UsageRecords[0].Dimension, 'nonexistent')
    assert.deepEqual(JSON.parse((await detail.getByLabel('Error answer').textContent())!), {
      __type: 'InvalidUsageDimensionException',
      message: refusedMessage,
    })
    await screenshot(page, 'audit', { readme: true })
  })

  it('sets the clock with the date-time picker and advances it by +1h: BatchMeterUsage for November is accepted, then refused', async () => {
    await open('Controls')
    await page.getByLabel('Set to (UTC)').fill('2026-12-01T05:30:00')
    await page.getByRole('button', { name: 'Set clock' }).click()
    await page.getByTestId('clock-now').filter({ hasText: '2026-12-01 05:30:00' }).waitFor()
    const inGrace = await batch([record(Date.UTC(2026, 10, 30, 23), 'api_calls', 1)])
    assert.equal(inGrace.Results![0]!.Status, 'Success')

    await page.getByRole('button', { name: 'Advance the clock by +1h' }).click()
    await page.getByTestId('clock-now').filter({ hasText: '2026-12-01 06:30:00' }).waitFor()
    assert.equal(await page.getByTestId('clock-mode').textContent(), 'running, shifted')
    await screenshot(page, 'controls', { readme: true })
    const closed = await errorOf(() => batch([record(Date.UTC(2026, 10, 30, 22), 'api_calls', 1)]))
    assert.equal(closed.name, 'TimestampOutOfBoundsException')

    await page.getByRole('button', { name: 'Reset to real time' }).click()
    await page.getByTestId('clock-now').filter({ hasText: '2026-10-15 12:30:20' }).waitFor()
    assert.equal(await page.getByTestId('clock-mode').textContent(), 'real time')
  })

  it('adds a fault rule from the form: the SDK is throttled twice, then the rule is used up and gone', async () => {
    const form = page.getByRole('form', { name: 'Add a fault rule' })
    await form.getByLabel('Answer with an error').check()
    await form.getByLabel('Operation').selectOption('BatchMeterUsage')
    await form.getByLabel('Error', { exact: true }).selectOption('ThrottlingException')
    await form.getByLabel('Applies').selectOption('times')
    await form.getByLabel('Calls').fill('2')
    await form.getByRole('button', { name: 'Add rule' }).click()
    const rules = page.getByTestId('fault-rules')
    await rules.getByText('BatchMeterUsage: ThrottlingException, next 2 calls (2 left)').waitFor()
    await rules.scrollIntoViewIfNeeded()
    await screenshot(page, 'controls-fault-rule')

    const call = () => batch([record(NOW - 5 * HOUR, 'api_calls', 4)])
    for (let i = 0; i < 2; i++) {
      const throttled = await errorOf(call)
      assert.deepEqual([throttled.name, throttled.$metadata?.httpStatusCode], ['ThrottlingException', 400])
    }
    assert.equal((await call()).Results![0]!.Status, 'Success')
    await page.getByText('No fault rules: every call runs normally.').waitFor()
  })

  it('exports the filtered records as CSV: the header and exactly the rows the table shows', async () => {
    await open('Records')
    const filters = page.getByRole('form', { name: 'Record filters' })
    await filters.getByLabel('Product', { exact: true }).selectOption('demo-saas')
    await filters.getByLabel('Dimension', { exact: true }).fill('users')
    await filters.getByRole('button', { name: 'Apply filters' }).click()
    const shown = (await tableRows('records-table', { until: { rows: 3, column: 4, text: 'users' } })).map((cells) => cells[5])
    assert.deepEqual([...shown].sort(), ['2', '3', '5'])
    const ids = await page.$$eval('[data-testid="records-table"] tbody tr[data-record-id]', (rows) =>
      rows.map((row) => row.getAttribute('data-record-id')),
    )

    const csv = await downloadText(() => page.getByRole('button', { name: 'CSV', exact: true }).click())
    assert.match(csv.name, /^meterd-records-.+\.csv$/)
    const [header, ...lines] = csv.text.trimEnd().split('\n')
    assert.equal(
      header,
      'meteringRecordId,operation,status,productCode,dimension,quantity,timestamp,hour,customerIdentifier,customerAccountId,licenseArn,resourceId,allocations,callerAccountId,callerAccessKeyId,requestId,receivedAt',
    )
    const rows = lines.map((line) => line.split(','))
    assert.deepEqual(rows.map((r) => r[0]).sort(), [...ids].sort())
    assert.deepEqual(rows.map((r) => [r[2], r[3], r[4], r[5], r[8]]).sort(), [
      ['Success', 'demo-saas', 'users', '2', 'demo-customer-1'],
      ['Success', 'demo-saas', 'users', '3', 'demo-customer-1'],
      ['Success', 'demo-saas', 'users', '5', 'demo-customer-1'],
    ])
    assert.match((await page.getByTestId('records-export-status').textContent())!, /^Saved meterd-records-.+\.csv: 3 records\.$/)
  })

  it('subscribes a buyer from the World page: the token is posted to the fulfillment URL and resolves with the SDK', async () => {
    const registerUrl = `http://127.0.0.1:${(fulfillment.address() as { port: number }).port}/register`
    await open('World')
    await page.getByRole('button', { name: 'Edit product demo-saas' }).click()
    const edit = page.getByRole('form', { name: 'Edit product demo-saas' })
    await edit.getByLabel('Fulfillment URL').fill(registerUrl)
    await edit.getByRole('button', { name: 'Save' }).click()
    await page.getByTestId('products-table').getByText(registerUrl).waitFor()

    const subscribe = page.getByRole('form', { name: 'Subscribe', exact: true })
    await subscribe.getByLabel('Product', { exact: true }).selectOption('demo-saas')
    await subscribe.getByLabel('Buyer AWS account id').fill('333333333333')
    await subscribe.getByRole('button', { name: 'Subscribe' }).click()
    const result = page.getByTestId('subscribe-result')
    await result.waitFor()
    const token = (await page.getByTestId('registration-token').textContent())!
    assert.match(token, /^[A-Za-z0-9_][A-Za-z0-9_-]{63}$/)
    assert.equal(await page.getByTestId('fulfillment').textContent(), `posted to ${registerUrl}: HTTP 200`)
    assert.deepEqual(posted, [`x-amzn-marketplace-token=${encodeURIComponent(token)}`])
    await page.getByTestId('customers-table').getByText('333333333333').waitFor()
    await page.evaluate('window.scrollTo(0, 0)')
    await screenshot(page, 'world')

    const resolved = await seller.send(new ResolveCustomerCommand({ RegistrationToken: token }))
    assert.equal(resolved.CustomerAWSAccountId, '333333333333')
    assert.equal(resolved.ProductCode, 'demo-saas')
    assert.match(resolved.LicenseArn!, /^arn:aws:license-manager::333333333333:license\//)
  })

  it('is usable from the keyboard: a skip link first, then the navigation, each page a link', async () => {
    await open('Overview')
    // A fresh load (the session keeps the sign-in) starts keyboard focus at the top of the page.
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content')
    await page.keyboard.press('Enter')
    assert.equal(await page.evaluate('document.activeElement.id'), 'main')
    const nav = page.getByRole('navigation', { name: 'Console pages' })
    await nav.getByRole('link', { name: 'Records', exact: true }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Records' }).waitFor()
    assert.equal(await nav.getByRole('link', { name: 'Records', exact: true }).getAttribute('aria-current'), 'page')
  })

  it('fits a narrow window (420 px) without sideways scrolling, and ran without a page error or CSP violation', async () => {
    await page.setViewportSize({ width: 420, height: 800 })
    await open('Overview')
    await page.getByTestId('counter-accepted').waitFor()
    await screenshot(page, 'overview-narrow')
    assert.equal(await page.evaluate('document.documentElement.scrollWidth'), 420, 'the page scrolls sideways at 420 px')
    await page.setViewportSize({ width: 1280, height: 800 })
    assert.deepEqual(problems, [])
  })

  it('loaded nothing but its own files and called nothing but the admin API, always with the bearer token', () => {
    const origin = meterd.url
    const network = requests.filter((r) => /^https?:/.test(r.url))
    assert.deepEqual(
      network.filter((r) => !r.url.startsWith(`${origin}/console/`) && !r.url.startsWith(`${origin}/admin/`)).map((r) => r.url),
      [],
    )
    const admin = network.filter((r) => r.url.startsWith(`${origin}/admin/`))
    assert.ok(admin.length > 20, `only ${admin.length} admin API calls`)
    // The first one is the refused sign-in.
    assert.deepEqual(
      admin.slice(1).filter((r) => r.authorization !== `Bearer ${meterd.server.adminToken}`),
      [],
    )
    assert.equal(admin[0]!.authorization, 'Bearer not-the-admin-token')
  })
})
