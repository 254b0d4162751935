import { createWriteStream, readFileSync } from 'node:fs'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Argument, type Command, Option } from 'commander'
import type { Query, WorldCollection } from '../admin/admin-client.js'
import { CliError, type ConnectionFlags, connect, print, withConnection } from './connection.js'

const COLLECTIONS = ['accounts', 'products', 'customers', 'offers', 'licenses', 'notifications'] as const

/** Filters shared by `records list`, `records export` and `usage`, mapped to the API's query. */
function withUsageFilters(command: Command): Command {
  return command
    .option('--product <code>', 'product code')
    .option('--customer <identifier>', 'CustomerIdentifier')
    .option('--account <id>', 'CustomerAWSAccountId')
    .option('--dimension <name>', 'dimension')
    .addOption(new Option('--status <status>', 'record status').choices(['Success', 'CustomerNotSubscribed', 'DuplicateRecord']))
    .addOption(new Option('--operation <name>', 'operation').choices(['BatchMeterUsage', 'MeterUsage']))
    .option('--from <time>', 'usage at or after (ISO-8601 or epoch seconds)')
    .option('--to <time>', 'usage before (ISO-8601 or epoch seconds)')
    .option('--tag-key <key>', 'only records with this allocation tag key')
    .option('--tag-value <value>', '... and this tag value')
}

type UsageFlags = ConnectionFlags & Record<string, string | undefined>
const usageQuery = (f: UsageFlags): Query => ({
  productCode: f.product,
  customerIdentifier: f.customer,
  customerAccountId: f.account,
  dimension: f.dimension,
  status: f.status,
  operation: f.operation,
  from: f.from,
  to: f.to,
  tagKey: f.tagKey,
  tagValue: f.tagValue,
})

function withAuditFilters(command: Command): Command {
  return command
    .option('--operation <name>', 'operation (or the X-Amz-Target sent)')
    .option('--account <id>', 'caller account')
    .option('--access-key <id>', 'caller access key')
    .option('--error <code>', 'error code')
    .option('--failed', 'only refused calls')
    .option('--injected', 'only calls with an injected fault or quota throttle')
    .option('--from <time>', 'at or after (ISO-8601 or epoch seconds)')
    .option('--to <time>', 'before (ISO-8601 or epoch seconds)')
}
const auditQuery = (f: UsageFlags & { failed?: boolean; injected?: boolean }): Query => ({
  operation: f.operation,
  accountId: f.account,
  accessKeyId: f.accessKey,
  errorCode: f.error,
  from: f.from,
  to: f.to,
  failed: f.failed ? true : undefined,
  injected: f.injected ? true : undefined,
})

/** Streams an export to a file (or stdout), showing a running row count on stderr. */
async function exportTo(stream: ReadableStream<Uint8Array>, format: string, out: string | undefined, noun: string): Promise<void> {
  let rows = format === 'csv' ? -1 : 0 // the CSV header is not a row
  let lastShown = 0
  const show = (final: boolean) => {
    if (!process.stderr.isTTY && !final) return
    process.stderr.write(`${final ? '' : '\r'}exported ${Math.max(rows, 0)} ${noun}${final ? '\n' : ''}`)
  }
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (const byte of chunk) if (byte === 10) rows++
      if (Date.now() - lastShown > 250) {
        lastShown = Date.now()
        show(false)
      }
      done(null, chunk)
    },
  })
  await pipeline(
    Readable.fromWeb(stream as import('node:stream/web').ReadableStream),
    counter,
    out ? createWriteStream(out) : process.stdout,
  )
  show(true)
}

export function registerControlCommands(program: Command): void {
  // --- the world
  const world = program
    .command('world')
    .description('the accounts, products, customers, offers, licenses and notification targets meterd checks requests against')
  withConnection(
    world
      .command('export')
      .description('print the whole world in the config-file format')
      .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
      .option('-o, --out <file>', 'write to a file instead of stdout'),
  ).action(async (flags: ConnectionFlags & { format: string; out?: string }) => {
    const document = await connect(flags).exportWorld()
    const text = flags.format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : (await import('yaml')).stringify(document)
    if (flags.out) createWriteStream(flags.out).end(text)
    else process.stdout.write(text)
  })
  withConnection(
    world.command('import').description('replace the whole world with a config file (YAML or JSON), validated like one').argument('<file>'),
  ).action(async (file: string, flags: ConnectionFlags) => {
    let document: unknown
    try {
      document = (await import('yaml')).parse(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`)
    }
    const { settings: _settings, ...worldOnly } = (document ?? {}) as Record<string, unknown>
    const stored = await connect(flags).importWorld(worldOnly)
    const counts = (['accounts', 'products', 'customers', 'offers', 'licenses', 'agreements', 'notifications'] as const)
      .map((c) => `${stored[c]?.length ?? 0} ${c}`)
      .join(', ')
    console.log(`imported ${counts}`)
  })
  withConnection(world.command('list').description('list one collection').addArgument(collectionArgument())).action(
    async (collection: WorldCollection, flags: ConnectionFlags) => print(await connect(flags).list(collection)),
  )
  withConnection(
    world
      .command('get')
      .description('show one item')
      .addArgument(collectionArgument(false))
      .argument('<key>', 'account id, product code, customer identifier, offer id or notification target id'),
  ).action(async (collection: Exclude<WorldCollection, 'licenses'>, key: string, flags: ConnectionFlags) =>
    print(await connect(flags).get(collection, key)),
  )
  withConnection(
    world
      .command('put')
      .description('create or replace one item from JSON (a license is created)')
      .addArgument(collectionArgument())
      .argument('<json>', 'the item, e.g. \'{"identifier":"c1","accountId":"333333333333"}\''),
  ).action(async (collection: WorldCollection, json: string, flags: ConnectionFlags) => {
    let item: unknown
    try {
      item = JSON.parse(json)
    } catch {
      throw new CliError('the item is not valid JSON')
    }
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new CliError('the item must be a JSON object')
    const client = connect(flags)
    if (collection === 'licenses') return print(await client.create('licenses', item))
    const keyValue = (item as Record<string, unknown>)[
      { accounts: 'id', products: 'code', customers: 'identifier', offers: 'id', notifications: 'id' }[collection]
    ]
    const key = typeof keyValue === 'string' ? keyValue : ''
    print(await client.put(collection, key, item))
  })
  withConnection(
    world
      .command('delete')
      .description('delete one item (refused while others refer to it)')
      .addArgument(collectionArgument(false))
      .argument('<key>'),
  ).action(async (collection: Exclude<WorldCollection, 'licenses'>, key: string, flags: ConnectionFlags) =>
    print(await connect(flags).remove(collection, key)),
  )
  withConnection(
    world
      .command('end-license')
      .description('end a license now (or at --at)')
      .argument('<arn>')
      .requiredOption('--product <code>', 'product the license grants')
      .option('--at <time>', 'ISO-8601 end'),
  ).action(async (arn: string, flags: ConnectionFlags & { product: string; at?: string }) =>
    print(await connect(flags).endLicense(arn, flags.product, flags.at)),
  )

  // --- the ledger
  const records = program.command('records').description('the usage ledger')
  withConnection(
    withUsageFilters(records.command('list').description('list records, oldest first'))
      .option('--limit <n>', 'records per page (1-1000)', '100')
      .option('--cursor <cursor>', 'continue after a previous page'),
  ).action(async (flags: UsageFlags & { limit: string; cursor?: string }) => {
    print(await connect(flags).listRecords({ ...usageQuery(flags), limit: flags.limit, cursor: flags.cursor }))
  })
  withConnection(
    withUsageFilters(records.command('export').description('export records as CSV or NDJSON (streamed, with progress on stderr)'))
      .addOption(new Option('--format <format>', 'csv or ndjson').choices(['csv', 'ndjson']).default('csv'))
      .option('-o, --out <file>', 'write to a file instead of stdout'),
  ).action(async (flags: UsageFlags & { format: 'csv' | 'ndjson'; out?: string }) => {
    await exportTo(
      await connect(flags).export('records', { ...usageQuery(flags), format: flags.format }),
      flags.format,
      flags.out,
      'records',
    )
  })
  withConnection(
    withUsageFilters(
      program
        .command('usage')
        .description('quantity per product, customer and dimension in hour, day or month windows, with a billing estimate'),
    )
      .addOption(new Option('--window <window>', 'window').choices(['hour', 'day', 'month']).default('day'))
      .option('--time-zone <tz>', 'IANA time zone of the windows', 'UTC')
      .option('--by-tag-key <key>', 'split by the values of this allocation tag key'),
  ).action(async (flags: UsageFlags & { window: string; timeZone: string; byTagKey?: string }) => {
    print(await connect(flags).usage({ ...usageQuery(flags), window: flags.window, timeZone: flags.timeZone, byTagKey: flags.byTagKey }))
  })

  // --- the audit trail
  const audit = program.command('audit').description('every AWS API call, accepted or refused')
  withConnection(
    withAuditFilters(audit.command('list').description('list calls, oldest first'))
      .option('--limit <n>', 'events per page (1-1000)', '100')
      .option('--cursor <cursor>', 'continue after a previous page'),
  ).action(async (flags: UsageFlags & { limit: string; cursor?: string }) => {
    print(await connect(flags).listAudit({ ...auditQuery(flags), limit: flags.limit, cursor: flags.cursor }))
  })
  withConnection(
    withAuditFilters(audit.command('export').description('export calls as CSV or NDJSON (streamed, with progress on stderr)'))
      .addOption(new Option('--format <format>', 'csv or ndjson').choices(['csv', 'ndjson']).default('ndjson'))
      .option('-o, --out <file>', 'write to a file instead of stdout'),
  ).action(async (flags: UsageFlags & { format: 'csv' | 'ndjson'; out?: string }) => {
    await exportTo(await connect(flags).export('audit', { ...auditQuery(flags), format: flags.format }), flags.format, flags.out, 'events')
  })

  // --- the virtual clock
  const clock = program.command('clock').description("meterd's metering clock (SigV4 keeps real time)")
  withConnection(clock.command('show').description('show the clock')).action(async (f: ConnectionFlags) => print(await connect(f).clock()))
  withConnection(clock.command('freeze').description('stop the clock (at --at, default now)').option('--at <time>', 'ISO-8601')).action(
    async (f: ConnectionFlags & { at?: string }) => print(await connect(f).freezeClock(f.at)),
  )
  withConnection(clock.command('set').description('jump to a time; a frozen clock stays frozen').argument('<time>', 'ISO-8601')).action(
    async (at: string, f: ConnectionFlags) => print(await connect(f).setClock(at)),
  )
  withConnection(
    clock.command('advance').description('move the clock, e.g. 2h, 90m; back with -1800 (seconds) or -- -30m').argument('<by>'),
  ).action(async (by: string, f: ConnectionFlags) => print(await connect(f).advanceClock(by)))
  withConnection(clock.command('resume').description('let a frozen clock run on')).action(async (f: ConnectionFlags) =>
    print(await connect(f).resumeClock()),
  )
  withConnection(clock.command('reset').description('back to real time')).action(async (f: ConnectionFlags) =>
    print(await connect(f).resetClock()),
  )

  // --- faults and quotas
  const faults = program.command('faults').description('injected faults')
  withConnection(faults.command('list').description('active fault rules')).action(async (f: ConnectionFlags) =>
    print(await connect(f).listFaults()),
  )
  withConnection(
    faults
      .command('add')
      .description('add a fault rule')
      .addOption(
        new Option('--operation <name>', 'operation')
          .choices(['BatchMeterUsage', 'MeterUsage', 'RegisterUsage', 'ResolveCustomer', 'GetEntitlements', '*'])
          .makeOptionMandatory(),
      )
      .addOption(new Option('--error <code>', 'answer with this error').choices(['ThrottlingException', 'InternalServiceErrorException']))
      .option('--unprocessed-share <share>', 'BatchMeterUsage: share (0-1] of records returned unprocessed')
      .addOption(
        new Option('--entitlements-answer <answer>', 'GetEntitlements: answer {} (omitted) or an empty page with a NextToken').choices([
          'omitted',
          'empty-page',
        ]),
      )
      .option('--latency-ms <ms>', 'delay answers')
      .option('--probability <p>', 'chance a matching call is affected (0-1]')
      .option('--times <n>', 'only the next N matching calls')
      .option('--for-seconds <s>', 'only for this long')
      .option('--product <code>', 'only calls for this product')
      .option('--account <id>', 'only calls from this account'),
  ).action(async (f: ConnectionFlags & Record<string, string | undefined>) => {
    const num = (v: string | undefined, name: string) => {
      if (v === undefined) return undefined
      const n = Number(v)
      if (!Number.isFinite(n)) throw new CliError(`${name} must be a number, got '${v}'`)
      return n
    }
    print(
      await connect(f).addFault(
        Object.fromEntries(
          Object.entries({
            operation: f.operation,
            error: f.error,
            unprocessedShare: num(f.unprocessedShare, '--unprocessed-share'),
            entitlementsAnswer: f.entitlementsAnswer,
            latencyMs: num(f.latencyMs, '--latency-ms'),
            probability: num(f.probability, '--probability'),
            times: num(f.times, '--times'),
            forSeconds: num(f.forSeconds, '--for-seconds'),
            productCode: f.product,
            accountId: f.account,
          }).filter(([, v]) => v !== undefined),
        ),
      ),
    )
  })
  withConnection(faults.command('remove').description('remove a rule').argument('<id>')).action(async (id: string, f: ConnectionFlags) =>
    print(await connect(f).removeFault(id)),
  )
  withConnection(faults.command('clear').description('remove every rule')).action(async (f: ConnectionFlags) =>
    print(await connect(f).clearFaults()),
  )

  const quotas = program.command('quotas').description('AWS request quotas (token buckets per account, Region and operation)')
  withConnection(quotas.command('show').description('show quotas')).action(async (f: ConnectionFlags) => print(await connect(f).quotas()))
  withConnection(
    quotas
      .command('set')
      .description('switch quotas on/off or change rates')
      .option('--on', 'enforce quotas')
      .option('--off', 'stop enforcing quotas')
      .option('--rate <op=perSecond...>', 'e.g. --rate MeterUsage=20'),
  ).action(async (f: ConnectionFlags & { on?: boolean; off?: boolean; rate?: string[] }) => {
    if (f.on && f.off) throw new CliError('--on and --off exclude each other')
    const client = connect(f)
    const current = await client.quotas()
    const rates = { ...current.rates }
    for (const pair of f.rate ?? []) {
      const m = /^(BatchMeterUsage|MeterUsage|RegisterUsage|ResolveCustomer)=(\d+(?:\.\d+)?)$/.exec(pair)
      if (!m) throw new CliError(`--rate takes Operation=perSecond, e.g. MeterUsage=20; got '${pair}'`)
      rates[m[1] as keyof typeof rates] = Number(m[2])
    }
    print(await client.setQuotas({ enabled: f.on ? true : f.off ? false : current.enabled, rates }))
  })
}

function collectionArgument(withLicenses = true) {
  const choices = withLicenses ? [...COLLECTIONS] : COLLECTIONS.filter((c) => c !== 'licenses')
  return new Argument('<collection>', choices.join(' | ')).choices(choices)
}
