import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { runCli, serveCli } from '../helpers/cli.js'
import { type SellerEndpoint, startSellerEndpoint } from '../helpers/seller-endpoint.js'
import { freshStore, type TestStore } from '../helpers/store.js'

describe('meterd notifications / events trigger / deliveries (against a running server)', () => {
  let dir: string
  let child: ChildProcess
  let url: string
  let store: TestStore
  let hook: SellerEndpoint
  const cli = (...args: string[]) => runCli([...args, '--url', url, '--data', dir])
  const json = async (...args: string[]) => {
    const run = await cli(...args)
    assert.equal(run.code, 0, run.stderr)
    return JSON.parse(run.stdout)
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meterd-cli-notify-'))
    store = await freshStore(dir)
    hook = await startSellerEndpoint()
    ;({ child, url } = await serveCli([...store.args, '--data', dir]))
  })
  after(async () => {
    child.kill('SIGTERM')
    await once(child, 'exit')
    await hook.close()
    await store.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('adds a webhook with an auth header, triggers a test event, and shows its delivery and every attempt', async () => {
    const added = await json(
      'notifications',
      'add',
      'seller-hook',
      '--type',
      'webhook',
      '--endpoint-url',
      `${hook.url}/events`,
      '--header',
      'X-Api-Key: s3cret',
      '--detail-type',
      'License Updated - Manufacturer',
    )
    assert.deepEqual(added, {
      id: 'seller-hook',
      type: 'webhook',
      url: `${hook.url}/events`,
      headers: { 'X-Api-Key': 's3cret' },
      detailTypes: ['License Updated - Manufacturer'],
      source: 'aws.agreement-marketplace',
    })
    const triggered = await json(
      'events',
      'trigger',
      'License Updated - Manufacturer',
      '--product',
      'demo-saas',
      '--account',
      '222222222222',
    )
    assert.equal(triggered.type, 'license-updated')
    assert.equal(triggered.triggered, true)
    const [received] = await hook.next(1)
    assert.equal(received!.headers['x-api-key'], 's3cret')
    assert.equal(received!.headers['content-type'], 'application/json; charset=utf-8')
    const event = JSON.parse(received!.body)
    assert.equal(event['detail-type'], 'License Updated - Manufacturer')
    assert.equal(event.source, 'aws.agreement-marketplace')
    // The demo buyer's own agreement: the ids ResolveCustomer and BatchMeterUsage know.
    assert.equal(event.detail.license.arn, 'arn:aws:license-manager::222222222222:license/l-demo0000000000000001')
    assert.equal(event.detail.acceptor.accountId, '222222222222')

    const listed = await json('events', 'list', '--type', 'license-updated')
    const mine = listed.events.find((e: { triggered: boolean }) => e.triggered)
    assert.equal(mine.deliveries.length, 1)
    assert.deepEqual(
      [
        mine.deliveries[0].target,
        mine.deliveries[0].status,
        mine.deliveries[0].attemptLog.map((a: { statusCode: number }) => a.statusCode),
      ],
      ['seller-hook', 'delivered', [200]],
    )
    const deliveries = await json('deliveries', 'list', '--target', 'seller-hook')
    assert.equal(deliveries.deliveries.length, 1)
    const shown = await json('deliveries', 'show', deliveries.deliveries[0].deliveryId)
    assert.equal(shown.body, received!.body)
    // Another detail type is not this target's.
    await json('events', 'trigger', 'agreement-created', '--product', 'demo-saas', '--account', '222222222222')
    assert.equal((await json('deliveries', 'list', '--target', 'seller-hook')).deliveries.length, 1)
  })

  it('adds an SNS HTTP subscription, confirms it in the endpoint’s place, lists it, prints the signing certificate', async () => {
    await json(
      'notifications',
      'add',
      'sns-hook',
      '--type',
      'sns-http',
      '--product',
      'demo-saas',
      '--topic',
      'subscription',
      '--endpoint-url',
      `${hook.url}/sns`,
    )
    const listed = await json('notifications', 'list')
    const sns = listed.notifications.find((t: { id: string }) => t.id === 'sns-hook')
    assert.equal(sns.subscription.status, 'pending-confirmation')
    const confirmed = await json('notifications', 'confirm', 'sns-hook')
    assert.equal(confirmed.status, 'confirmed')
    assert.match(confirmed.subscriptionArn, /^arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-demo-saas:/)
    const pem = await cli('notifications', 'certificate')
    assert.equal(pem.code, 0, pem.stderr)
    assert.match(pem.stdout, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/)
    const removed = await json('notifications', 'remove', 'sns-hook')
    assert.deepEqual(removed, { deleted: 'sns-hook' })
  })

  it('explains bad targets, unknown event types and bad flags', async () => {
    const noProduct = await cli(
      'notifications',
      'add',
      'x',
      '--type',
      'sns-http',
      '--topic',
      'subscription',
      '--endpoint-url',
      'http://seller.example/sns',
    )
    assert.equal(noProduct.code, 1)
    assert.equal(noProduct.stderr.trim(), 'meterd: BadRequest: product: Invalid input: expected string, received undefined')
    const badType = await cli('notifications', 'add', 'x', '--type', 'sqs')
    assert.equal(badType.code, 1)
    assert.match(
      badType.stderr,
      /option '--type <type>' argument 'sqs' is invalid\. Allowed choices are sns-http, sns-sqs, eventbridge, webhook/,
    )
    const badHeader = await cli(
      'notifications',
      'add',
      'x',
      '--type',
      'webhook',
      '--endpoint-url',
      'http://seller.example/hook',
      '--header',
      'nocolon',
    )
    assert.deepEqual([badHeader.code, badHeader.stderr.trim()], [1, "meterd: --header must be 'Name: value', got 'nocolon'"])
    const halfKeys = await cli('notifications', 'add', 'x', '--type', 'eventbridge', '--access-key-id', 'AKIA')
    assert.deepEqual([halfKeys.code, halfKeys.stderr.trim()], [1, 'meterd: --access-key-id and --secret-access-key go together'])
    const unknown = await cli('events', 'trigger', 'subscribe-sucess', '--product', 'demo-saas', '--account', '222222222222')
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /^meterd: BadRequest: unknown event type 'subscribe-sucess': use one of subscribe-success, /)
    const notFound = await cli('notifications', 'confirm', 'nope')
    assert.deepEqual([notFound.code, notFound.stderr.trim()], [1, 'meterd: NotFound: no notification target nope'])
    const retryMissing = await cli('deliveries', 'retry', 'nope')
    assert.deepEqual([retryMissing.code, retryMissing.stderr.trim()], [1, 'meterd: NotFound: no delivery nope'])
  })
})
