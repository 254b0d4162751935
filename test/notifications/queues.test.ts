import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge'
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { type Moto, motoProblem, startMoto } from '../helpers/moto.js'
import { type SellerEndpoint, startSellerEndpoint } from '../helpers/seller-endpoint.js'

const WORKER = fileURLToPath(new URL('../../../test/notifications/seller_worker.py', import.meta.url))
// The AWS SDK marks the credentials object it is given; each client and request body gets its own.
const MOTO_KEYS = () => ({ accessKeyId: 'moto', secretAccessKey: 'moto' })
const CI = process.env.CI === 'true'
const problem = motoProblem()
if (problem) console.error(`\n!!! notifications to SQS and EventBridge through moto: ${CI ? 'FAILED' : 'SKIPPED'}: ${problem}\n`)

/** Runs one step of the seller's boto3 worker and returns what it printed. */
function worker(step: string, args: Record<string, unknown>): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [WORKER, JSON.stringify({ step, ...args })], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`worker step ${step} exited ${code}: ${stdout}${stderr}`))
      resolve((JSON.parse(stdout) as { result: unknown }).result)
    })
  })
}

/** A product sold with the legacy integration (CustomerIdentifier), notified through SNS only. */
const LEGACY_PRODUCT = {
  code: 'acme-legacy',
  type: 'saas',
  seller: '111111111111',
  dimensions: ['users', 'api_calls'],
  integration: 'legacy',
  notifications: 'sns',
}

describe(
  'notifications to queues, read by a seller’s boto3 worker: SNS → SQS and EventBridge → rule → SQS (moto)',
  { skip: problem !== undefined && !CI },
  () => {
    let moto: Moto
    let meterd: TestMeterd
    let fulfillment: SellerEndpoint
    let sqs: SQSClient
    const queues: Record<string, string> = {}
    const clockMs = async () => (await meterd.admin('GET', '/clock')).body.nowMs as number
    const tokenOf = (index: number) => new URLSearchParams(fulfillment.received[index]!.body).get('x-amzn-marketplace-token')!

    const createQueue = async (name: string) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!
      queues[name] = url
      return url
    }

    before(async () => {
      if (problem) assert.fail(`${problem}. With CI=true the moto suites may not be skipped.`)
      moto = await startMoto()
      fulfillment = await startSellerEndpoint()
      meterd = await startMeterd()
      sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials: MOTO_KEYS() })
      await createQueue('marketplace-subscription')
      const eventsQueue = await createQueue('marketplace-events')
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: eventsQueue, AttributeNames: ['QueueArn'] }))).Attributes!
        .QueueArn
      const eventBridge = new EventBridgeClient({ endpoint: moto.url, region: 'us-east-1', credentials: MOTO_KEYS() })
      await eventBridge.send(
        new PutRuleCommand({ Name: 'marketplace-agreements', EventPattern: JSON.stringify({ source: ['aws.agreement-marketplace'] }) }),
      )
      await eventBridge.send(new PutTargetsCommand({ Rule: 'marketplace-agreements', Targets: [{ Id: 'queue', Arn: arn }] }))
      eventBridge.destroy()
      assert.equal(
        (await meterd.admin('POST', '/products', { ...LEGACY_PRODUCT, fulfillmentUrl: `${fulfillment.url}/register` })).status,
        201,
      )
      const demo = (await meterd.admin('GET', '/products/demo-saas')).body
      assert.equal(
        (await meterd.admin('PUT', '/products/demo-saas', { ...demo, fulfillmentUrl: `${fulfillment.url}/register` })).status,
        200,
      )
    })
    after(async () => {
      sqs?.destroy()
      await meterd?.close()
      await fulfillment?.close()
      await moto?.close()
    })

    it('SNS → SQS: subscribe-success, ResolveCustomer, GetEntitlements, metering; unsubscribe-pending, the final hour, unsubscribe-success', async () => {
      const added = await meterd.admin('POST', '/notifications', {
        id: 'subscription-queue',
        type: 'sns-sqs',
        product: 'acme-legacy',
        topic: 'subscription',
        queueUrl: queues['marketplace-subscription'],
        endpoint: moto.url,
        credentials: MOTO_KEYS(),
      })
      assert.equal(added.status, 201, JSON.stringify(added.body))
      const sub = await meterd.admin('POST', '/subscriptions', { productCode: 'acme-legacy', accountId: '202020202020' })
      assert.equal(sub.body.fulfillment.status, 200)
      const common = { meterd: meterd.url, sqs: moto.url, queueUrl: queues['marketplace-subscription'], productCode: 'acme-legacy' }

      const onboard = await worker('sns_onboard', { ...common, token: tokenOf(fulfillment.received.length - 1), nowMs: await clockMs() })
      assert.equal(onboard.customer, sub.body.customerIdentifier)
      assert.equal(onboard.envelope.Type, 'Notification')
      assert.equal(onboard.envelope.TopicArn, 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-acme-legacy')
      assert.equal(onboard.envelope.SignatureVersion, '1')
      assert.deepEqual(onboard.message, {
        action: 'subscribe-success',
        'customer-identifier': sub.body.customerIdentifier,
        'product-code': 'acme-legacy',
        isFreeTrialTermPresent: 'false',
      })
      assert.deepEqual(onboard.metered, ['Success'])

      await meterd.admin('POST', '/unsubscribe', { productCode: 'acme-legacy', accountId: '202020202020' })
      const offboard = await worker('sns_offboard', { ...common, customer: onboard.customer, nowMs: await clockMs() })
      assert.equal(offboard.message.action, 'unsubscribe-pending')
      assert.deepEqual(offboard.final, ['Success'], 'usage of the last hour is still accepted while unsubscribe-pending')

      await meterd.admin('POST', '/clock/advance', { by: '61m' })
      const closed = await worker('sns_closed', { ...common, customer: onboard.customer, nowMs: await clockMs() })
      assert.equal(closed.message.action, 'unsubscribe-success')
      assert.deepEqual(closed.late, ['CustomerNotSubscribed'])
    })

    it('EventBridge → rule → SQS: Created and License Updated (before the fulfillment POST) with the ids ResolveCustomer gives; Ended, then Deprovisioned 30 s later', async () => {
      const added = await meterd.admin('POST', '/notifications', {
        id: 'agreement-events',
        type: 'eventbridge',
        products: ['demo-saas'],
        endpoint: moto.url,
        credentials: MOTO_KEYS(),
      })
      assert.equal(added.status, 201, JSON.stringify(added.body))
      const sub = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '303030303030' })
      const tokenAtMs = Date.now()
      const common = { meterd: meterd.url, sqs: moto.url, queueUrl: queues['marketplace-events'] }

      const usedAtMs = await clockMs()
      const onboard = await worker('eventbridge_onboard', {
        ...common,
        token: tokenOf(fulfillment.received.length - 1),
        nowMs: usedAtMs,
      })
      assert.equal(onboard.account, '303030303030')
      assert.equal(onboard.licenseArn, sub.body.licenseArn)
      assert.equal(onboard.created.source, 'aws.agreement-marketplace')
      assert.deepEqual(onboard.created.resources, [`arn:aws:aws-marketplace::aws:agreement:${sub.body.agreementId}`])
      const created = onboard.created.detail
      assert.deepEqual(
        { ...created, requestId: typeof created.requestId, agreement: { ...created.agreement, acceptanceTime: 'x', startTime: 'x' } },
        {
          requestId: 'string',
          catalog: 'AWSMarketplace',
          agreement: {
            id: sub.body.agreementId,
            intent: 'NEW',
            status: 'ACTIVE',
            acceptanceTime: 'x',
            startTime: 'x',
            endTime: '9999-01-01T00:00:00Z',
          },
          resaleAuthorization: { id: null },
          acceptor: { accountId: '303030303030' },
          proposer: { accountId: '111111111111' },
          offer: { id: 'offer-demo-saas' },
        },
      )
      assert.deepEqual(onboard.updated.detail.product.code, 'demo-saas')
      assert.match(onboard.updated.detail.product.id, /^prod-[a-z0-9]{13}$/)
      assert.deepEqual(onboard.metered, ['Success'])
      // License Updated went out before the registration token reached the fulfillment URL.
      const events = (await meterd.admin('GET', `/events?agreementId=${sub.body.agreementId}`)).body.events
      const licenseUpdated = events.find((e: { type: string }) => e.type === 'license-updated').deliveries[0]
      assert.equal(licenseUpdated.status, 'delivered')
      assert.ok(Date.parse(licenseUpdated.deliveredAt) <= tokenAtMs)

      await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-saas', accountId: '303030303030' })
      await new Promise((r) => setTimeout(r, 1000))
      // License Deprovisioned is due 30 s after Ended on meterd's clock.
      const beforeDue = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues['marketplace-events'], MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
      )
      const types = (beforeDue.Messages ?? []).map((m) => (JSON.parse(m.Body!) as { 'detail-type': string })['detail-type'])
      assert.ok(types.includes('Purchase Agreement Ended - Proposer'), types.join())
      assert.ok(!types.includes('License Deprovisioned - Manufacturer'), types.join())
      await meterd.admin('POST', '/clock/advance', { by: '31s' })
      const offboard = await worker('eventbridge_offboard', {
        ...common,
        agreementId: sub.body.agreementId,
        licenseArn: onboard.licenseArn,
        account: onboard.account,
        // Final metering: usage of the subscription's last minutes, reported after it ended.
        nowMs: usedAtMs,
      })
      assert.deepEqual(offboard.ended.detail.agreement, { id: sub.body.agreementId, status: 'CANCELLED' })
      assert.equal(offboard.deprovisioned.detail.license.arn, onboard.licenseArn)
      assert.deepEqual(offboard.final, ['Success'])
    })

    it('delivers everything after the queue was unreachable across a restart of meterd (at least once, in order)', async () => {
      await meterd.admin('PUT', '/notifications/subscription-queue', {
        id: 'subscription-queue',
        type: 'sns-sqs',
        product: 'acme-legacy',
        topic: 'subscription',
        queueUrl: queues['marketplace-subscription'],
        endpoint: moto.url,
        credentials: MOTO_KEYS(),
        rawMessageDelivery: true,
        retry: { attempts: 1000, minDelay: '100ms', maxDelay: '500ms', backoff: 'exponential' },
      })
      const port = moto.port
      await moto.close()
      const accounts = ['404040404040', '505050505050', '606060606060']
      const customers: string[] = []
      for (const accountId of accounts) {
        customers.push(
          (await meterd.admin('POST', '/subscriptions', { productCode: 'acme-legacy', accountId, deliver: false })).body.customerIdentifier,
        )
      }
      await new Promise((r) => setTimeout(r, 800))
      const pending = (await meterd.admin('GET', '/deliveries?target=subscription-queue&status=pending')).body.deliveries
      assert.equal(pending.length, 3)
      assert.ok(pending[0].attempts >= 2, `retried: ${pending[0].attempts} attempts`)
      assert.match(pending[0].lastError, /ECONNREFUSED|connect/)

      await meterd.restart()
      moto = await startMoto(port)
      await createQueue('marketplace-subscription') // moto keeps nothing across its own restart
      const received: string[] = []
      const deadline = Date.now() + 20_000
      while (received.length < 3 && Date.now() < deadline) {
        const answer = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queues['marketplace-subscription'], MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        )
        // Raw delivery: the body is the Message itself.
        for (const m of answer.Messages ?? []) received.push((JSON.parse(m.Body!) as Record<string, string>)['customer-identifier']!)
      }
      assert.deepEqual(received, customers)
      const delivered = (await meterd.admin('GET', '/deliveries?target=subscription-queue&status=delivered')).body.deliveries
      assert.ok(delivered.length >= 4)
    })

    it('confirms an HTTP subscription through the SNS API (boto3 ConfirmSubscription against meterd’s /sns/)', async () => {
      const endpoint = await startSellerEndpoint()
      try {
        await meterd.admin('POST', '/notifications', {
          id: 'sns-api',
          type: 'sns-http',
          product: 'acme-legacy',
          topic: 'subscription',
          url: `${endpoint.url}/hook`,
        })
        const [confirmation] = await endpoint.next(1)
        const message = JSON.parse(confirmation!.body) as Record<string, string>
        const arn = await worker('confirm_with_sns_api', {
          snsEndpoint: `${meterd.url}/sns/`,
          topicArn: message.TopicArn,
          token: message.Token,
        })
        assert.equal(arn, (await meterd.admin('GET', '/notifications/sns-api')).body.subscription.subscriptionArn)
        assert.equal((await meterd.admin('GET', '/notifications/sns-api')).body.subscription.status, 'confirmed')
      } finally {
        await endpoint.close()
      }
    })
  },
)
