import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import {
  BatchMeterUsageCommand,
  MarketplaceMeteringClient,
  MeterUsageCommand,
  RegisterUsageCommand,
  ResolveCustomerCommand,
} from '@aws-sdk/client-marketplace-metering'
import { AdminClient } from '../../src/admin/admin-client.js'
import { serveCli } from '../helpers/cli.js'
import { BUYER, CUSTOMER, hourAgo, SELLER } from '../helpers/meterd.js'
import { describeEachStore, freshStore, type TestStore } from '../helpers/store.js'

interface Node {
  child: ChildProcess
  url: string
}

const settle = <T>(promises: Promise<T>[]) => Promise.allSettled(promises)
const errorName = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? (r.reason as Error).name : 'ok')

describeEachStore('two meterd nodes on one store', (kind) => {
  let dir: string
  let store: TestStore
  let nodes: Node[]
  let admin: AdminClient
  const clients: MarketplaceMeteringClient[] = []
  const client = (node: Node, credentials = SELLER) => {
    const c = new MarketplaceMeteringClient({ endpoint: node.url, region: 'us-east-1', credentials, maxAttempts: 1 })
    clients.push(c)
    return c
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meterd-nodes-'))
    store = await freshStore(dir, kind)
    // The first node creates the store; the second opens it as it is.
    nodes = [await serveCli([...store.args, '--data', dir, '--no-quotas'])]
    nodes.push(await serveCli([...store.args, '--data', dir, '--no-quotas']))
    admin = new AdminClient({ url: nodes[0]!.url, token: readFileSync(join(dir, 'admin-token'), 'utf8').trim() })
  })
  after(async () => {
    for (const c of clients) c.destroy()
    for (const node of nodes) {
      if (node.child.exitCode === null && node.child.signalCode === null) {
        node.child.kill('SIGTERM')
        await once(node.child, 'exit')
      }
    }
    await store.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers 40 racing identical MeterUsage calls on both nodes with one record and one MeteringRecordId', async () => {
    const input = { ProductCode: 'demo-ami', Timestamp: hourAgo(1, 7), UsageDimension: 'hosts', UsageQuantity: 3 }
    const buyers = nodes.map((n) => client(n, BUYER))
    const results = await settle(Array.from({ length: 40 }, (_, i) => buyers[i % 2]!.send(new MeterUsageCommand(input))))
    assert.deepEqual(results.map(errorName), Array(40).fill('ok'))
    const ids = new Set(results.map((r) => (r as PromiseFulfilledResult<{ MeteringRecordId?: string }>).value.MeteringRecordId))
    assert.equal(ids.size, 1)
    const listed = await admin.listRecords({ productCode: 'demo-ami', operation: 'MeterUsage', from: input.Timestamp.toISOString() })
    assert.deepEqual(
      listed.records.map((r) => r.meteringRecordId),
      [...ids],
    )
  })

  it('lets exactly one of racing different quantities win; the others get DuplicateRequestException', async () => {
    const buyers = nodes.map((n) => client(n, BUYER))
    const results = await settle(
      Array.from({ length: 20 }, (_, i) =>
        buyers[i % 2]!.send(
          new MeterUsageCommand({
            ProductCode: 'demo-container',
            Timestamp: hourAgo(2),
            UsageDimension: 'vcpu_hours',
            UsageQuantity: i + 1,
          }),
        ),
      ),
    )
    const names = results.map(errorName)
    assert.equal(names.filter((n) => n === 'ok').length, 1)
    assert.equal(names.filter((n) => n === 'DuplicateRequestException').length, 19)
  })

  it('gives a ClientToken raced with different parameters to exactly one call; the rest get 409 IdempotencyConflictException', async () => {
    const buyers = nodes.map((n) => client(n, BUYER))
    const results = await settle(
      Array.from({ length: 20 }, (_, i) =>
        buyers[i % 2]!.send(
          new MeterUsageCommand({
            ProductCode: 'demo-ami',
            Timestamp: hourAgo(3),
            UsageDimension: 'hosts',
            UsageQuantity: i + 1,
            ClientToken: 'raced-token',
          }),
        ),
      ),
    )
    const names = results.map(errorName)
    assert.equal(names.filter((n) => n === 'ok').length, 1)
    assert.equal(names.filter((n) => n === 'IdempotencyConflictException').length, 19)
  })

  it('stores one record per slot for racing BatchMeterUsage replays, all answered with the same ids', async () => {
    const records = Array.from({ length: 25 }, (_, i) => ({
      Timestamp: hourAgo(4),
      CustomerIdentifier: i === 0 ? CUSTOMER : `race-${i}`,
      Dimension: 'users',
      Quantity: 2,
    }))
    const sellers = nodes.map((n) => client(n))
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        sellers[i % 2]!.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: records })),
      ),
    )
    const first = results[0]!.Results!.map((r) => r.MeteringRecordId)
    for (const r of results)
      assert.deepEqual(
        r.Results!.map((x) => x.MeteringRecordId),
        first,
      )
    const listed = await admin.listRecords({
      productCode: 'demo-saas',
      dimension: 'users',
      from: hourAgo(4).toISOString(),
      to: hourAgo(3).toISOString(),
      limit: 1000,
    })
    assert.equal(listed.records.length, 25)
    // Racing another quantity for the same slots: DuplicateRecord everywhere, still 25 honoured records.
    const dup = await Promise.all(
      sellers.map((s) =>
        s.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: records.map((r) => ({ ...r, Quantity: 9 })) })),
      ),
    )
    for (const r of dup) assert.deepEqual(new Set(r.Results!.map((x) => x.Status)), new Set(['DuplicateRecord']))
    const honoured = await admin.listRecords({
      productCode: 'demo-saas',
      status: 'Success',
      from: hourAgo(4).toISOString(),
      to: hourAgo(3).toISOString(),
      limit: 1000,
    })
    assert.equal(honoured.records.length, 1) // only demo-customer-1 is subscribed; the others are CustomerNotSubscribed
  })

  it('checks RegisterUsage entitlement once per resource and resolves one token identically on both nodes', async () => {
    const buyers = nodes.map((n) => client(n, BUYER))
    const registered = await settle(
      Array.from({ length: 10 }, (_, i) =>
        buyers[i % 2]!.send(new RegisterUsageCommand({ ProductCode: 'demo-container', PublicKeyVersion: 1 })),
      ),
    )
    assert.deepEqual(registered.map(errorName), Array(10).fill('ok'))
    const { registrationToken } = await admin.subscribe({ productCode: 'demo-saas', accountId: '444444444444' })
    const sellers = nodes.map((n) => client(n))
    const resolved = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sellers[i % 2]!.send(new ResolveCustomerCommand({ RegistrationToken: registrationToken }))),
    )
    assert.deepEqual(new Set(resolved.map((r) => `${r.CustomerAWSAccountId} ${r.LicenseArn}`)).size, 1)
  })

  it('shares the virtual clock and fault rules: set on one node, applied by the other', async () => {
    const frozenAt = Date.now() - 3 * 86_400_000
    await admin.freezeClock(new Date(frozenAt).toISOString())
    await admin.addFault({ operation: 'BatchMeterUsage', error: 'ThrottlingException', times: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1500)) // nodes re-read shared state every second
    const other = client(nodes[1]!)
    const usage = [{ Timestamp: new Date(frozenAt - 3600_000), CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 1 }]
    const throttled = await settle([other.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: usage }))])
    assert.equal(errorName(throttled[0]!), 'ThrottlingException')
    // Three days ago is inside the window only by the frozen clock the other node set.
    const accepted = await other.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: usage }))
    assert.equal(accepted.Results![0]!.Status, 'Success')
    await admin.resetClock()
  })

  it('loses nothing acknowledged when a node is killed (SIGKILL) in the middle of load', async () => {
    const victim = nodes[0]!
    const seller = client(victim)
    const acknowledged: string[] = []
    let sent = 0
    const load = Array.from({ length: 8 }, async (_, lane) => {
      for (let i = 0; ; i++) {
        const records = Array.from({ length: 25 }, (_, r) => ({
          Timestamp: hourAgo(5),
          CustomerIdentifier: `kill-${lane}-${i}-${r}`,
          Dimension: 'api_calls',
          Quantity: 1,
        }))
        sent++
        try {
          const out = await seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: records }))
          acknowledged.push(...out.Results!.map((r) => r.MeteringRecordId!))
        } catch {
          return // the node is gone
        }
      }
    })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    victim.child.kill('SIGKILL')
    await Promise.all(load)
    assert.ok(acknowledged.length > 0, 'some batches were acknowledged before the kill')
    const survivor = new AdminClient({ url: nodes[1]!.url, token: readFileSync(join(dir, 'admin-token'), 'utf8').trim() })
    const stored = new Set<string>()
    let cursor: string | undefined
    do {
      const page = await survivor.listRecords({
        dimension: 'api_calls',
        from: hourAgo(5).toISOString(),
        to: hourAgo(4).toISOString(),
        limit: 1000,
        cursor,
      })
      for (const r of page.records) stored.add(r.meteringRecordId)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    const lost = acknowledged.filter((id) => !stored.has(id))
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged records are missing (${sent} batches sent)`)
  })
})
