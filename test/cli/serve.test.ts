import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import { runCli, serveCli } from '../helpers/cli.js'
import { CUSTOMER, hourAgo, SELLER } from '../helpers/meterd.js'
import { freshStore } from '../helpers/store.js'

describe('meterd serve', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meterd-cli-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('prints the endpoint and copy-paste examples for the demo world', async () => {
    const store = await freshStore(join(dir, 'banner'))
    const { child, url, output } = await serveCli([...store.args, '--data', join(dir, 'banner')])
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    await store.drop()
    assert.equal(code, 0)
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.match(output(), /aws meteringmarketplace batch-meter-usage --endpoint-url http:\/\/127\.0\.0\.1:\d+ --product-code demo-saas/)
    assert.match(output(), /boto3\.client\('meteringmarketplace', endpoint_url='http:\/\/127\.0\.0\.1:\d+'/)
    assert.match(output(), /new MarketplaceMeteringClient\(\{ endpoint: 'http:\/\/127\.0\.0\.1:\d+'/)
  })

  it('keeps every acknowledged record when killed with SIGKILL', async () => {
    const data = join(dir, 'kill')
    const store = await freshStore(data)
    const first = await serveCli([...store.args, '--data', data])
    const send = (url: string, quantity: number) => {
      const client = new MarketplaceMeteringClient({ endpoint: url, region: 'us-east-1', credentials: SELLER, maxAttempts: 1 })
      return client
        .send(
          new BatchMeterUsageCommand({
            ProductCode: 'demo-saas',
            UsageRecords: Array.from({ length: 25 }, (_, i) => ({
              Timestamp: hourAgo(2),
              CustomerIdentifier: i === 0 ? CUSTOMER : `c${i}`,
              Dimension: 'users',
              Quantity: quantity,
            })),
          }),
        )
        .finally(() => client.destroy())
    }
    const acknowledged = await Promise.all([1, 2, 3].map(() => send(first.url, 4)))
    first.child.kill('SIGKILL')
    await once(first.child, 'exit')
    const second = await serveCli([...store.args, '--data', data])
    try {
      const replay = await send(second.url, 4)
      assert.deepEqual(
        replay.Results!.map((r) => r.MeteringRecordId),
        acknowledged[0]!.Results!.map((r) => r.MeteringRecordId),
      )
      const other = await send(second.url, 5)
      assert.deepEqual(new Set(other.Results!.map((r) => r.Status)), new Set(['DuplicateRecord']))
    } finally {
      second.child.kill('SIGTERM')
      await once(second.child, 'exit')
      await store.drop()
    }
  })

  it('serves a world from a YAML config file', async () => {
    const file = join(dir, 'world.yaml')
    writeFileSync(
      file,
      `
accounts:
  - id: "123456789012"
    credentials:
      - accessKeyId: AKIAEXAMPLESELLER001
        secretAccessKey: example-secret
        region: eu-west-1
products:
  - code: my-saas
    type: saas
    seller: "123456789012"
    dimensions: [seats]
customers:
  - identifier: cust-a
    accountId: "210987654321"
licenses:
  - arn: arn:aws:license-manager::210987654321:license/l-a
    customer: cust-a
    product: my-saas
    start: 2020-01-01T00:00:00Z
`,
    )
    const store = await freshStore(join(dir, 'yaml'))
    const { child, url } = await serveCli([...store.args, '--data', join(dir, 'yaml'), '--config', file])
    const client = new MarketplaceMeteringClient({
      endpoint: url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAEXAMPLESELLER001', secretAccessKey: 'example-secret' },
    })
    try {
      const out = await client.send(
        new BatchMeterUsageCommand({
          ProductCode: 'my-saas',
          UsageRecords: [{ Timestamp: hourAgo(1), CustomerIdentifier: 'cust-a', Dimension: 'seats', Quantity: 1 }],
        }),
      )
      assert.equal(out.Results![0]!.Status, 'Success')
    } finally {
      client.destroy()
      child.kill('SIGTERM')
      await once(child, 'exit')
      await store.drop()
    }
  })

  it('refuses a bad config file naming every bad field, and exits 1', async () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(
      file,
      `
accounts:
  - id: "12345"
products:
  - code: p
    type: saas-ish
    seller: "123456789012"
    dimensions: []
settings:
  windows:
    meterMaxAge: soon
`,
    )
    const run = await runCli(['serve', '--port', '0', '--data', join(dir, 'bad'), '--config', file])
    assert.equal(run.code, 1)
    assert.equal(
      run.stderr.trim(),
      `meterd: ${file}: settings are invalid:\nsettings.windows.meterMaxAge: must be a duration such as 24h, 90m, 30s or a number of seconds`,
    )
    writeFileSync(
      file,
      `
accounts:
  - id: "12345"
products:
  - code: p
    type: saas-ish
    seller: "123456789012"
    dimensions: []
`,
    )
    const again = await runCli(['serve', '--port', '0', '--data', join(dir, 'bad'), '--config', file])
    assert.equal(again.code, 1)
    assert.equal(
      again.stderr.trim(),
      [
        `meterd: ${file}: the world is invalid:`,
        'accounts[0].id: must be a 12-digit AWS account id',
        'products[0].type: Invalid option: expected one of "saas"|"ami"|"container"',
        'products[0].dimensions: a product priced by usage needs at least one metering dimension',
      ].join('\n'),
    )
  })

  it('refuses references to unknown accounts, customers and products', async () => {
    const file = join(dir, 'refs.json')
    writeFileSync(
      file,
      JSON.stringify({
        products: [{ code: 'p', type: 'ami', seller: '123456789012', dimensions: ['d'] }],
        licenses: [{ arn: 'arn:aws:license-manager::1:license/l', customer: 'who', product: 'q', start: '2026-01-01T00:00:00Z' }],
      }),
    )
    const run = await runCli(['serve', '--port', '0', '--data', join(dir, 'refs'), '--config', file])
    assert.equal(run.code, 1)
    assert.equal(
      run.stderr.trim(),
      [
        `meterd: ${file}: the world is invalid:`,
        'products[0].seller: unknown account 123456789012',
        'licenses[0].customer: unknown customer who',
        'licenses[0].product: unknown product q',
      ].join('\n'),
    )
  })

  it('reports an unreadable config file and a bad port clearly', async () => {
    const missing = await runCli(['serve', '--config', join(dir, 'nope.yaml')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^meterd: cannot read config file .*nope\.yaml: ENOENT/)
    const port = await runCli(['serve', '--port', 'eighty', '--data', join(dir, 'port')])
    assert.equal(port.code, 1)
    assert.equal(port.stderr.trim(), "meterd: port must be an integer from 0 to 65535, got 'eighty'")
    const env = await runCli(['serve', '--data', join(dir, 'port')], { METERD_AUTH: 'lax' })
    assert.equal(env.stderr.trim(), "meterd: auth must be 'strict' or 'permissive', got 'lax'")
  })
})
