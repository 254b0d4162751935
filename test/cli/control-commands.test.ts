import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import { parse as parseYaml } from 'yaml'
import { AdminClient } from '../../src/admin/admin-client.js'
import { runCli, serveCli } from '../helpers/cli.js'
import { CUSTOMER, errorOf, hourAgo, SELLER } from '../helpers/meterd.js'
import { freshStore, type TestStore } from '../helpers/store.js'

const AWS_RATES = { BatchMeterUsage: 10, MeterUsage: 10, RegisterUsage: 5 }
const CLI_ARN = 'arn:aws:license-manager::333333333333:license/l-cli00000000000000001'

describe('meterd world / records / usage / audit / clock / faults / quotas (against a running server)', () => {
  let dir: string
  let store: TestStore
  let child: ChildProcess
  let url: string
  let admin: AdminClient
  let client: MarketplaceMeteringClient
  const cli = (...args: string[]) => runCli([...args, '--url', url, '--data', dir])
  /** Runs a command that must succeed and returns its stdout parsed as JSON. */
  const json = async (...args: string[]) => {
    const run = await cli(...args)
    assert.equal(run.code, 0, `meterd ${args.join(' ')}: ${run.stderr}`)
    return JSON.parse(run.stdout)
  }
  /** Runs a command that must fail with exit code 1 and returns its stderr. */
  const failure = async (...args: string[]) => {
    const run = await cli(...args)
    assert.equal(run.code, 1, `meterd ${args.join(' ')} should fail: ${run.stdout}`)
    assert.equal(run.stdout, '')
    return run.stderr
  }
  const batch = (timestamp: Date, quantity: number, dimension = 'users') =>
    client.send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp: timestamp, CustomerIdentifier: CUSTOMER, Dimension: dimension, Quantity: quantity }],
      }),
    )

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meterd-cli-controls-'))
    store = await freshStore(dir)
    ;({ child, url } = await serveCli([...store.args, '--data', dir]))
    admin = new AdminClient({ url, token: readFileSync(join(dir, 'admin-token'), 'utf8').trim() })
    client = new MarketplaceMeteringClient({ endpoint: url, region: 'us-east-1', credentials: { ...SELLER }, maxAttempts: 1 })
  })
  after(async () => {
    client.destroy()
    child.kill('SIGTERM')
    await once(child, 'exit')
    await store.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  describe('world', () => {
    it('exports the world to a file and imports it back: the same world after a change in between', async () => {
      const file = join(dir, 'world.yaml')
      const exported = await cli('world', 'export', '--out', file)
      assert.equal(exported.code, 0, exported.stderr)
      const original = await admin.exportWorld()
      assert.deepEqual(parseYaml(readFileSync(file, 'utf8')), original)
      assert.deepEqual(await json('world', 'export', '--format', 'json'), original)

      await json('world', 'put', 'customers', '{"identifier":"cli-temp","accountId":"444444444444"}')
      assert.notDeepEqual(await admin.exportWorld(), original)
      const imported = await cli('world', 'import', file)
      assert.equal(imported.code, 0, imported.stderr)
      assert.equal(imported.stdout, 'imported 2 accounts, 4 products, 1 customers, 5 offers, 4 licenses, 4 agreements, 0 notifications\n')
      assert.deepEqual(await admin.exportWorld(), original)
    })

    it('imports a config file with settings (ignored) and refuses a bad file, naming the bad field', async () => {
      const original = await admin.exportWorld()
      const config = join(dir, 'config.json')
      writeFileSync(
        config,
        JSON.stringify({
          settings: { port: 1 },
          ...original,
          customers: [...(original.customers as object[]), { identifier: 'from-config', accountId: '555555555555' }],
        }),
      )
      assert.equal(
        (await cli('world', 'import', config)).stdout,
        'imported 2 accounts, 4 products, 2 customers, 5 offers, 4 licenses, 4 agreements, 0 notifications\n',
      )

      const bad = join(dir, 'bad.yaml')
      writeFileSync(bad, 'accounts: []\nproducts:\n  - code: p1\n    type: nope\n    seller: "111111111111"\n    dimensions: [d]\n')
      const missing = join(dir, 'missing.yaml')
      const [badStderr, missingStderr] = await Promise.all([failure('world', 'import', bad), failure('world', 'import', missing)])
      assert.equal(badStderr, 'meterd: BadRequest: products[0].type: Invalid option: expected one of "saas"|"ami"|"container"\n')
      assert.match(missingStderr, /^meterd: cannot read .*missing\.yaml: ENOENT/)
      assert.deepEqual(
        (await admin.list('customers')).customers!.map((c) => (c as { identifier: string }).identifier),
        [CUSTOMER, 'from-config'],
      )
      await admin.importWorld(original)
    })

    it('puts, gets, lists and deletes items, ends a license, and explains refusals', async () => {
      assert.deepEqual(await json('world', 'put', 'customers', '{"identifier":"cli-c","accountId":"333333333333"}'), {
        identifier: 'cli-c',
        accountId: '333333333333',
      })
      assert.deepEqual(await json('world', 'get', 'customers', 'cli-c'), { identifier: 'cli-c', accountId: '333333333333' })
      assert.deepEqual(
        await json(
          'world',
          'put',
          'licenses',
          JSON.stringify({ arn: CLI_ARN, customer: 'cli-c', product: 'demo-saas', start: '2020-01-01T00:00:00Z' }),
        ),
        { arn: CLI_ARN, customer: 'cli-c', product: 'demo-saas', start: '2020-01-01T00:00:00.000Z', end: null, status: 'active' },
      )
      assert.deepEqual(
        (await json('world', 'list', 'licenses')).licenses.map((l: { customer: string }) => l.customer),
        [CUSTOMER, CUSTOMER, CUSTOMER, CUSTOMER, 'cli-c'],
      )
      assert.deepEqual(await json('world', 'end-license', CLI_ARN, '--product', 'demo-saas', '--at', '2026-01-01T00:00:00Z'), {
        arn: CLI_ARN,
        customer: 'cli-c',
        product: 'demo-saas',
        start: '2020-01-01T00:00:00.000Z',
        end: '2026-01-01T00:00:00.000Z',
        status: 'ended',
      })

      const [inUse, productInUse, notJson, unknown, licensesGet, badField] = await Promise.all([
        failure('world', 'delete', 'customers', 'cli-c'),
        failure('world', 'delete', 'products', 'demo-ami'),
        failure('world', 'put', 'customers', '{identifier: cli-x}'),
        failure('world', 'get', 'customers', 'nobody'),
        failure('world', 'get', 'licenses', 'x'),
        failure('world', 'put', 'customers', '{"identifier":"cli-x","accountId":"12"}'),
      ])
      assert.equal(inUse, 'meterd: BadRequest: licenses[4].customer: unknown customer cli-c\n')
      assert.equal(
        productInUse,
        'meterd: BadRequest: licenses[1].product: unknown product demo-ami\noffers[1].product: unknown product demo-ami\nagreements[1].product: unknown product demo-ami\n',
      )
      assert.equal(notJson, 'meterd: the item is not valid JSON\n')
      assert.equal(unknown, 'meterd: NotFound: no customer nobody\n')
      assert.match(
        licensesGet,
        /^error: command-argument value 'licenses' is invalid for argument 'collection'\. Allowed choices are accounts, products, customers, offers, notifications\./,
      )
      assert.equal(badField, 'meterd: BadRequest: accountId: must be a 12-digit AWS account id\n')

      await admin.request('DELETE', `/licenses/${encodeURIComponent(CLI_ARN)}/demo-saas`)
      assert.deepEqual(await json('world', 'delete', 'customers', 'cli-c'), { deleted: 'cli-c' })
    })
  })

  describe('records, usage and audit', () => {
    const hours = [hourAgo(3), hourAgo(2), hourAgo(1)]
    before(async () => {
      for (const [i, hour] of hours.entries()) assert.equal((await batch(hour, 10 + i)).Results![0]!.Status, 'Success')
    })

    it('lists records with filters and pages through them with --limit and --cursor', async () => {
      const first = await json('records', 'list', '--customer', CUSTOMER, '--dimension', 'users', '--limit', '2')
      assert.deepEqual(
        first.records.map((r: { quantity: number }) => r.quantity),
        [10, 11],
      )
      assert.equal(typeof first.nextCursor, 'string')
      const second = await json(
        'records',
        'list',
        '--customer',
        CUSTOMER,
        '--dimension',
        'users',
        '--limit',
        '2',
        '--cursor',
        first.nextCursor,
      )
      assert.deepEqual([second.records.map((r: { quantity: number }) => r.quantity), second.nextCursor], [[12], null])
      const badCursor = await failure('records', 'list', '--cursor', 'garbage')
      assert.equal(badCursor, 'meterd: BadRequest: cursor: is not a cursor this API returned\n')
    })

    it('exports CSV to a file with --out, reporting the row count on stderr, and NDJSON to stdout', async () => {
      const out = join(dir, 'records.csv')
      const run = await cli('records', 'export', '--product', 'demo-saas', '--out', out)
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.stderr, 'exported 3 records\n')
      const lines = readFileSync(out, 'utf8').split('\n')
      assert.equal(
        lines[0],
        'meteringRecordId,operation,status,productCode,dimension,quantity,timestamp,hour,customerIdentifier,customerAccountId,licenseArn,resourceId,allocations,callerAccountId,callerAccessKeyId,requestId,receivedAt',
      )
      assert.deepEqual(
        lines.slice(1, -1).map((l) => l.split(',').slice(1, 6).join(',')),
        [
          'BatchMeterUsage,Success,demo-saas,users,10',
          'BatchMeterUsage,Success,demo-saas,users,11',
          'BatchMeterUsage,Success,demo-saas,users,12',
        ],
      )
      assert.equal(lines.at(-1), '')
      const ndjson = await cli('records', 'export', '--format', 'ndjson', '--from', hours[1]!.toISOString())
      assert.equal(ndjson.code, 0, ndjson.stderr)
      assert.equal(ndjson.stderr, 'exported 2 records\n')
      assert.deepEqual(
        ndjson.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).quantity),
        [11, 12],
      )
    })

    it('sums usage in hour windows of a time zone', async () => {
      const out = await json('usage', '--product', 'demo-saas', '--window', 'hour', '--time-zone', 'Asia/Kolkata')
      const kolkataHour = (d: Date) => `${new Date(d.getTime() + 5.5 * 3600_000).toISOString().slice(0, 13)}:00`
      assert.deepEqual(out, {
        window: 'hour',
        timeZone: 'Asia/Kolkata',
        rows: hours.map((h, i) => ({
          productCode: 'demo-saas',
          customer: CUSTOMER,
          dimension: 'users',
          window: kolkataHour(h),
          quantity: 10 + i,
          records: 1,
        })),
        estimatedAmount: 0,
      })
      const [zone, window] = await Promise.all([failure('usage', '--time-zone', 'Mars/Base'), failure('usage', '--window', 'week')])
      assert.equal(zone, "meterd: BadRequest: timeZone: unknown time zone 'Mars/Base'\n")
      assert.match(window, /^error: option '--window <window>' argument 'week' is invalid\. Allowed choices are hour, day, month\./)
    })

    it('lists and exports audit events with filters', async () => {
      const events = (await json('audit', 'list', '--operation', 'BatchMeterUsage', '--account', '111111111111')).events
      assert.ok(events.length >= 3)
      assert.ok(
        events.every(
          (e: { eventName: string; userIdentity: { accountId: string } }) =>
            e.eventName === 'BatchMeterUsage' && e.userIdentity.accountId === '111111111111',
        ),
      )
      const out = join(dir, 'audit.ndjson')
      const run = await cli('audit', 'export', '--operation', 'BatchMeterUsage', '--out', out)
      assert.equal(run.code, 0, run.stderr)
      const lines = readFileSync(out, 'utf8').trim().split('\n')
      assert.equal(run.stderr, `exported ${lines.length} events\n`)
      assert.deepEqual(
        lines.map((l) => JSON.parse(l).eventId),
        events.map((e: { eventId: string }) => e.eventId),
      )
    })
  })

  describe('clock, faults and quotas', () => {
    it('freezes, advances, sets and resets the clock; BatchMeterUsage windows follow it', async () => {
      const frozen = await json('clock', 'freeze', '--at', '2026-03-10T12:00:00Z')
      assert.deepEqual([frozen.mode, frozen.now], ['frozen', '2026-03-10T12:00:00.000Z'])
      const advanced = await json('clock', 'advance', '2h')
      assert.deepEqual([advanced.mode, advanced.now], ['frozen', '2026-03-10T14:00:00.000Z'])
      assert.equal((await batch(new Date('2026-03-09T15:00:00Z'), 1)).Results![0]!.Status, 'Success') // 23 h before
      assert.equal((await errorOf(() => batch(new Date('2026-03-09T13:00:00Z'), 1))).name, 'TimestampOutOfBoundsException') // 25 h before
      assert.equal((await json('clock', 'show')).now, '2026-03-10T14:00:00.000Z')
      assert.equal((await json('clock', 'advance', '-1800')).now, '2026-03-10T13:30:00.000Z') // a negative number of seconds
      const back = await runCli(['clock', 'advance', '--url', url, '--data', dir, '--', '-30m']) // a negative duration after --
      assert.equal(back.code, 0, back.stderr)
      assert.equal(JSON.parse(back.stdout).now, '2026-03-10T13:00:00.000Z')
      assert.equal(
        await failure('clock', 'advance', 'soon'),
        'meterd: BadRequest: by: must be a duration such as 2h, 90m, -30s or a number of seconds\n',
      )
      assert.equal((await json('clock', 'set', '2026-03-11T00:00:00Z')).now, '2026-03-11T00:00:00.000Z')
      const reset = await json('clock', 'reset')
      assert.equal(reset.mode, 'real')
      assert.ok(Math.abs(reset.nowMs - Date.now()) < 5000)
    })

    it('adds, lists, removes and clears fault rules; an added rule throttles BatchMeterUsage', async () => {
      const rule = await json(
        'faults',
        'add',
        '--operation',
        'BatchMeterUsage',
        '--error',
        'ThrottlingException',
        '--times',
        '2',
        '--product',
        'demo-saas',
      )
      assert.deepEqual(rule, {
        operation: 'BatchMeterUsage',
        error: 'ThrottlingException',
        times: 2,
        productCode: 'demo-saas',
        id: rule.id,
        createdAt: rule.createdAt,
        remaining: 2,
      })
      assert.equal((await errorOf(() => batch(hourAgo(4), 1))).name, 'ThrottlingException')
      const slow = await json(
        'faults',
        'add',
        '--operation',
        'MeterUsage',
        '--latency-ms',
        '50',
        '--probability',
        '0.5',
        '--for-seconds',
        '60',
      )
      assert.deepEqual([slow.latencyMs, slow.probability, slow.forSeconds], [50, 0.5, 60])
      assert.deepEqual(
        (await json('faults', 'list')).rules.map((r: { id: string; remaining?: number }) => [r.id, r.remaining]),
        [
          [rule.id, 1],
          [slow.id, undefined],
        ],
      )
      assert.deepEqual(await json('faults', 'remove', rule.id), { removed: rule.id })
      assert.deepEqual(await json('faults', 'clear'), { removed: 1 })
      assert.deepEqual(await json('faults', 'list'), { rules: [] })
      assert.equal((await batch(hourAgo(4), 1)).Results![0]!.Status, 'Success')
    })

    it('refuses bad fault rules with exit code 1 and a clear message', async () => {
      const [noOperation, noEffect, notANumber, badOperation, unknownRule, both] = await Promise.all([
        failure('faults', 'add', '--error', 'ThrottlingException'),
        failure('faults', 'add', '--operation', 'MeterUsage'),
        failure('faults', 'add', '--operation', 'MeterUsage', '--error', 'ThrottlingException', '--times', 'abc'),
        failure('faults', 'add', '--operation', 'DeleteEverything', '--error', 'ThrottlingException'),
        failure('faults', 'remove', 'no-such-rule'),
        failure('faults', 'add', '--operation', 'BatchMeterUsage', '--error', 'ThrottlingException', '--unprocessed-share', '0.5'),
      ])
      assert.match(noOperation, /^error: required option '--operation <name>' not specified/)
      assert.equal(noEffect, 'meterd: BadRequest: body: give error, unprocessedShare, entitlementsAnswer and/or latencyMs\n')
      assert.equal(notANumber, "meterd: --times must be a number, got 'abc'\n")
      assert.match(
        badOperation,
        /^error: option '--operation <name>' argument 'DeleteEverything' is invalid\. Allowed choices are BatchMeterUsage, MeterUsage, RegisterUsage, ResolveCustomer, GetEntitlements, \*\./,
      )
      assert.equal(unknownRule, 'meterd: NotFound: no fault rule no-such-rule\n')
      assert.equal(both, 'meterd: BadRequest: body: error, unprocessedShare and entitlementsAnswer exclude each other\n')
      assert.deepEqual((await admin.listFaults()).rules, [])
    })

    it('shows and sets quotas, and refuses bad rates', async () => {
      assert.deepEqual(await json('quotas', 'show'), { enabled: true, rates: AWS_RATES })
      assert.deepEqual(await json('quotas', 'set', '--off', '--rate', 'MeterUsage=20', 'RegisterUsage=2.5'), {
        enabled: false,
        rates: { ...AWS_RATES, MeterUsage: 20, RegisterUsage: 2.5 },
      })
      assert.deepEqual(await json('quotas', 'set', '--on'), { enabled: true, rates: { ...AWS_RATES, MeterUsage: 20, RegisterUsage: 2.5 } })
      const [nope, both, zero] = await Promise.all([
        failure('quotas', 'set', '--rate', 'Nope=1'),
        failure('quotas', 'set', '--on', '--off'),
        failure('quotas', 'set', '--rate', 'MeterUsage=0'),
      ])
      assert.equal(nope, "meterd: --rate takes Operation=perSecond, e.g. MeterUsage=20; got 'Nope=1'\n")
      assert.equal(both, 'meterd: --on and --off exclude each other\n')
      assert.equal(zero, 'meterd: BadRequest: rates.MeterUsage: Too small: expected number to be >0\n')
      assert.deepEqual(await admin.quotas(), { enabled: true, rates: { ...AWS_RATES, MeterUsage: 20, RegisterUsage: 2.5 } })
    })
  })
})
