import assert from 'node:assert/strict'
import { verify as verifySignature } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering'
import MessageValidator from 'sns-validator'
import { startCertHost, type CertHost } from '../helpers/cert-host.js'
import { SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { type Received, type SellerEndpoint, startSellerEndpoint } from '../helpers/seller-endpoint.js'

const T0 = Date.UTC(2026, 10, 2, 10, 0)
const TOPIC = 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-demo-saas'
const validator = new MessageValidator(/^127\.0\.0\.1:\d+$/)
const verify = (body: string) =>
  new Promise<Record<string, string>>((resolve, reject) =>
    validator.validate(body, (error, message) => (error ? reject(error) : resolve(message!))),
  )
const messageOf = (r: Received) => JSON.parse(r.body) as Record<string, string>
const notifications = (endpoint: SellerEndpoint) => endpoint.received.filter((r) => r.headers['x-amz-sns-message-type'] === 'Notification')
const actionOf = (r: Received) => (JSON.parse(messageOf(r).Message!) as { action: string }).action

/** Waits until the seller's endpoint has received `count` Notification messages. */
async function notificationsReceived(endpoint: SellerEndpoint, count: number, timeoutMs = 15_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs
  while (notifications(endpoint).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} notifications, got ${notifications(endpoint).map(actionOf).join(', ')}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return notifications(endpoint)
}

describe('notifications: an HTTP endpoint subscribed to the SNS topics', () => {
  let certHost: CertHost
  let meterd: TestMeterd
  let endpoint: SellerEndpoint
  const sellers: SellerEndpoint[] = []
  const seller = async (respond?: (r: Omit<Received, 'status'>) => number) => {
    const started = await startSellerEndpoint(respond)
    sellers.push(started)
    return started
  }

  before(async () => {
    certHost = await startCertHost()
    meterd = await startMeterd({
      nowMs: T0,
      notifications: { signingCertUrl: `${certHost.origin}/SimpleNotificationService-meterd.pem` },
    })
    certHost.pem = (await meterd.admin('GET', '/notification-certificate')).body.pem
  })
  after(async () => {
    await meterd.close()
    await certHost.close()
    for (const s of sellers) await s.close()
  })

  /** A fresh endpoint, subscribed to a topic and confirmed through the SubscribeURL it received. */
  async function subscribedEndpoint(id: string, extra: Record<string, unknown> = {}, respond?: (r: Omit<Received, 'status'>) => number) {
    const endpoint = await seller(respond)
    const added = await meterd.admin('POST', '/notifications', {
      id,
      type: 'sns-http',
      product: 'demo-saas',
      topic: 'subscription',
      url: `${endpoint.url}/sns`,
      ...extra,
    })
    assert.equal(added.status, 201, JSON.stringify(added.body))
    const [confirmation] = await endpoint.next(1)
    const answer = await fetch(messageOf(confirmation!).SubscribeURL!)
    assert.equal(answer.status, 200)
    return endpoint
  }

  it('sends a signed SubscriptionConfirmation first and nothing else until the endpoint visits its SubscribeURL', async () => {
    endpoint = await seller()
    const added = await meterd.admin('POST', '/notifications', {
      id: 'fulfillment-api',
      type: 'sns-http',
      product: 'demo-saas',
      topic: 'subscription',
      url: `${endpoint.url}/sns`,
    })
    assert.equal(added.status, 201)
    const [confirmation] = await endpoint.next(1)
    assert.equal(confirmation!.headers['x-amz-sns-message-type'], 'SubscriptionConfirmation')
    assert.equal(confirmation!.headers['x-amz-sns-topic-arn'], TOPIC)
    assert.equal(confirmation!.headers['x-amz-sns-subscription-arn'], undefined)
    assert.equal(confirmation!.headers['content-type'], 'text/plain; charset=UTF-8')
    assert.equal(confirmation!.headers['user-agent'], 'Amazon Simple Notification Service Agent')
    const message = await verify(confirmation!.body)
    assert.deepEqual(Object.keys(messageOf(confirmation!)), [
      'Type',
      'MessageId',
      'Token',
      'TopicArn',
      'Message',
      'SubscribeURL',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
    ])
    assert.equal(
      message.Message,
      `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    )
    assert.equal((await meterd.admin('GET', '/notifications/fulfillment-api')).body.subscription.status, 'pending-confirmation')

    // A buyer subscribes before the endpoint confirmed: as with SNS, that message is not delivered.
    const early = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '333333333333' })
    assert.equal(early.status, 201)
    const events = (await meterd.admin('GET', `/events?agreementId=${early.body.agreementId}`)).body.events
    assert.equal(events[0].type, 'subscribe-success')
    assert.deepEqual(events[0].deliveries, [])

    const confirmed = await fetch(message.SubscribeURL!)
    assert.equal(confirmed.status, 200)
    const xml = await confirmed.text()
    const arn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(xml)![1]!
    assert.match(arn, new RegExp(`^${TOPIC}:[0-9a-f-]{36}$`))
    const state = (await meterd.admin('GET', '/notifications/fulfillment-api')).body.subscription
    assert.deepEqual([state.status, state.subscriptionArn], ['confirmed', arn])
    assert.equal(endpoint.received.length, 1)
  })

  it('then POSTs subscribe-success as SNS does: headers, envelope layout, kebab-case message, a SignatureVersion 1 signature sns-validator accepts', async () => {
    const sub = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '444444444444' })
    const [received] = await notificationsReceived(endpoint, 1)
    const subscriptionArn = (await meterd.admin('GET', '/notifications/fulfillment-api')).body.subscription.subscriptionArn
    assert.equal(received!.headers['x-amz-sns-topic-arn'], TOPIC)
    assert.equal(received!.headers['x-amz-sns-subscription-arn'], subscriptionArn)
    const envelope = await verify(received!.body)
    assert.equal(received!.headers['x-amz-sns-message-id'], envelope.MessageId)
    assert.equal(envelope.SignatureVersion, '1')
    // The layout of a real delivery: `"Key" : "value"`, two-space indent, SNS's field order.
    assert.match(received!.body, /^\{\n {2}"Type" : "Notification",\n {2}"MessageId" : "[0-9a-f-]{36}",\n {2}"TopicArn" : /)
    assert.deepEqual(Object.keys(envelope), [
      'Type',
      'MessageId',
      'TopicArn',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'UnsubscribeURL',
    ])
    assert.equal(envelope.Timestamp, new Date(T0).toISOString())
    assert.equal(
      envelope.Message,
      `{\n"action": "subscribe-success",\n"customer-identifier": "${sub.body.customerIdentifier}",\n"product-code": "demo-saas",\n"offer-identifier": "offer-demo-saas",\n"isFreeTrialTermPresent": "false"\n}`,
    )
    // The customer in the message is the one ResolveCustomer gives for the buyer's registration token.
    const resolved = await meterd.client(SELLER).send(new ResolveCustomerCommand({ RegistrationToken: sub.body.registrationToken }))
    assert.equal(resolved.CustomerAWSAccountId, '444444444444')
    assert.equal(resolved.LicenseArn, sub.body.licenseArn)
  })

  it('tells unsubscribe-pending at once and unsubscribe-success when the final-metering hour has passed on the virtual clock', async () => {
    const sub = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '555555555555' })
    await notificationsReceived(endpoint, 2)
    const used = new Date(T0 + 10 * 60_000)
    await meterd.admin('POST', '/clock/advance', { by: '30m' })
    const unsubscribed = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-saas', accountId: '555555555555' })
    assert.equal(unsubscribed.status, 200)
    const afterUnsubscribe = await notificationsReceived(endpoint, 3)
    assert.equal(actionOf(afterUnsubscribe[2]!), 'unsubscribe-pending')
    // Final metering inside the hour is accepted.
    const final = await meterd.client(SELLER).send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ CustomerIdentifier: sub.body.customerIdentifier, Dimension: 'users', Quantity: 3, Timestamp: used }],
      }),
    )
    assert.equal(final.Results?.[0]?.Status, 'Success')
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(notifications(endpoint).length, 3, 'nothing more before the hour is over')
    assert.equal((await meterd.admin('POST', '/clock/advance', { by: '61m' })).status, 200)
    const all = await notificationsReceived(endpoint, 4)
    const last = JSON.parse(messageOf(all[3]!).Message!) as Record<string, string>
    assert.deepEqual(last, {
      action: 'unsubscribe-success',
      'customer-identifier': sub.body.customerIdentifier,
      'product-code': 'demo-saas',
      'offer-identifier': 'offer-demo-saas',
      isFreeTrialTermPresent: 'false',
    })
  })

  it('signs with SignatureVersion 2 (SHA256withRSA) when the subscription asks; sns-validator accepts it and refuses a changed message', async () => {
    const seller = await subscribedEndpoint('v2', { signatureVersion: '2' })
    await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '666666666666', freeTrial: true })
    const [received] = await notificationsReceived(seller, 1)
    const envelope = await verify(received!.body)
    assert.equal(envelope.SignatureVersion, '2')
    assert.equal(JSON.parse(envelope.Message!).isFreeTrialTermPresent, 'true')
    const tampered = received!.body.replace('666666666666', '777777777777').replace('subscribe-success', 'subscribe-fail')
    await assert.rejects(verify(tampered), /The message signature is invalid/)
    await meterd.admin('DELETE', '/notifications/v2')
  })

  it('stops at the UnsubscribeURL (an UnsubscribeConfirmation follows) and resumes when its SubscribeURL is visited', async () => {
    const seller = await subscribedEndpoint('leaving')
    await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '888888888888' })
    const [first] = await notificationsReceived(seller, 1)
    const unsubscribed = await fetch(messageOf(first!).UnsubscribeURL!)
    assert.equal(unsubscribed.status, 200)
    assert.match(await unsubscribed.text(), /<UnsubscribeResponse xmlns="http:\/\/sns.amazonaws.com\/doc\/2010-03-31\/">/)
    const [, , goodbye] = await seller.next(3)
    assert.equal(goodbye!.headers['x-amz-sns-message-type'], 'UnsubscribeConfirmation')
    // sns-validator checks an UnsubscribeConfirmation with a Notification's keys (not Token); SNS
    // signs it as a SubscriptionConfirmation: check it as AWS documents it.
    const goodbyeMessage = messageOf(goodbye!)
    assert.ok(verifyAsDocumented(goodbyeMessage, certHost.pem))
    assert.match(goodbyeMessage.Message!, /^You have chosen to deactivate subscription arn:aws:sns:us-east-1:287250355862:/)
    await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '999999999999' })
    await new Promise((r) => setTimeout(r, 600))
    assert.equal(notifications(seller).length, 1, 'nothing is delivered while unsubscribed')
    assert.equal((await fetch(goodbyeMessage.SubscribeURL!)).status, 200)
    await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '121212121212' })
    const after = await notificationsReceived(seller, 2)
    assert.equal(JSON.parse(messageOf(after[1]!).Message!)['customer-identifier'].length > 0, true)
    await meterd.admin('DELETE', '/notifications/leaving')
  })

  it("tells a contract's changes on the entitlement topic, and nothing on the SNS topics of a product that chose EventBridge only", async () => {
    const contracts = await subscribedEndpoint('contracts', { product: 'demo-contract', topic: 'entitlement' })
    const sub = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-contract', accountId: '191919191919' })
    const [bought] = await notificationsReceived(contracts, 1)
    assert.equal(bought!.headers['x-amz-sns-topic-arn'], 'arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-demo-contract')
    assert.deepEqual(JSON.parse(messageOf(bought!).Message!), {
      action: 'entitlement-updated',
      'customer-identifier': sub.body.customerIdentifier,
      'product-code': 'demo-contract',
    })
    const amended = await meterd.admin('POST', `/agreements/${sub.body.agreementId}/amend`, { entitlements: { admin_seats: 20 } })
    assert.equal(amended.status, 200, JSON.stringify(amended.body))
    assert.equal(actionOf((await notificationsReceived(contracts, 2))[1]!), 'entitlement-updated')

    const events = await seller()
    assert.equal(
      (
        await meterd.admin('POST', '/notifications', {
          id: 'events',
          type: 'webhook',
          url: `${events.url}/events`,
          products: ['demo-saas'],
        })
      ).status,
      201,
    )
    const product = (await meterd.admin('GET', '/products/demo-saas')).body
    assert.equal((await meterd.admin('PUT', '/products/demo-saas', { ...product, notifications: 'eventbridge' })).status, 200)
    const quiet = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '212121212121' })
    // The EventBridge events of the same change arrive: the change was fanned out, and the SNS topic got nothing.
    const received = await events.next(2)
    assert.deepEqual(
      received.map((r) => (JSON.parse(r.body) as { 'detail-type': string })['detail-type']),
      ['Purchase Agreement Created - Proposer', 'License Updated - Manufacturer'],
    )
    const sns = (await meterd.admin('GET', `/events?agreementId=${quiet.body.agreementId}&type=subscribe-success`)).body.events
    assert.deepEqual(sns[0].deliveries, [])
    await meterd.admin('PUT', '/products/demo-saas', product)
    await meterd.admin('DELETE', '/notifications/events')
    await meterd.admin('DELETE', '/notifications/contracts')
  })

  it("answers SNS's errors for a wrong token, an unknown subscription and an unknown action, as SNS's XML", async () => {
    const wrongToken = await fetch(`${meterd.url}/sns/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=abc`)
    assert.equal(wrongToken.status, 400)
    assert.match(await wrongToken.text(), /<Code>InvalidParameter<\/Code>\n {4}<Message>Invalid parameter: Token<\/Message>/)
    const unknown = await fetch(`${meterd.url}/sns/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(`${TOPIC}:00000000-0000-0000-0000-000000000000`)}`,
    })
    assert.equal(unknown.status, 404)
    assert.match(await unknown.text(), /<Code>NotFound<\/Code>\n {4}<Message>Subscription does not exist<\/Message>/)
    const missing = await fetch(`${meterd.url}/sns/?Action=ConfirmSubscription&Token=abc`)
    assert.equal(missing.status, 400)
    assert.match(
      await missing.text(),
      /<Code>ValidationError<\/Code>\n {4}<Message>1 validation error detected: Value null at &apos;topicArn&apos; failed to satisfy constraint: Member must not be null<\/Message>/,
    )
    const publish = await fetch(`${meterd.url}/sns/?Action=Publish`)
    assert.equal(publish.status, 400)
    assert.match(await publish.text(), /serves ConfirmSubscription and Unsubscribe, not Publish/)
  })

  it('retries a failing endpoint by its delivery policy, in order, and shows every attempt', async () => {
    let failures = 2
    const seller = await subscribedEndpoint('flaky', { retry: { attempts: 4, minDelay: '200ms', maxDelay: '200ms' } }, (r) =>
      r.headers['x-amz-sns-message-type'] === 'Notification' && failures-- > 0 ? 503 : 200,
    )
    const a = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '131313131313' })
    const b = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '141414141414' })
    await new Promise((r) => setTimeout(r, 100))
    const delivered = (await notificationsReceivedOk(seller, 2)).map((r) => JSON.parse(messageOf(r).Message!)['customer-identifier'])
    assert.deepEqual(delivered, [a.body.customerIdentifier, b.body.customerIdentifier], 'in order: the second waited for the first')
    const events = (await meterd.admin('GET', `/events?agreementId=${a.body.agreementId}&type=subscribe-success`)).body.events
    const delivery = events[0].deliveries.find((d: { target: string }) => d.target === 'flaky')
    assert.equal(delivery.status, 'delivered')
    assert.deepEqual(
      delivery.attemptLog.map((x: { statusCode: number }) => x.statusCode),
      [503, 503, 200],
    )
    assert.equal(delivery.attemptLog[0].error, 'HTTP 503')
    await meterd.admin('DELETE', '/notifications/flaky')
  })

  it('does not retry an answer a retry cannot change (HTTP 4xx): the delivery fails, the next one goes', async () => {
    let refusals = 1
    const seller = await subscribedEndpoint('strict', { retry: { attempts: 4, minDelay: '200ms', maxDelay: '200ms' } }, (r) =>
      r.headers['x-amz-sns-message-type'] === 'Notification' && refusals-- > 0 ? 400 : 200,
    )
    const refused = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '151515151515' })
    await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '161616161616' })
    await notificationsReceived(seller, 2)
    const failed = await eventually(async () => {
      const found = (await meterd.admin('GET', '/deliveries?target=strict&status=failed')).body.deliveries
      return found.length > 0 ? found : undefined
    })
    assert.equal(failed.length, 1)
    assert.equal(failed[0].event.worldVersion > 0, true)
    assert.deepEqual(
      failed[0].attemptLog.map((x: { statusCode: number }) => x.statusCode),
      [400],
    )
    const events = (await meterd.admin('GET', `/events?agreementId=${refused.body.agreementId}&type=subscribe-success`)).body.events
    assert.equal(events[0].deliveries.find((d: { target: string }) => d.target === 'strict').status, 'failed')
    // A failed delivery can be sent again by hand.
    seller.respond = () => 200
    const retried = await meterd.admin('POST', `/deliveries/${failed[0].deliveryId}/retry`)
    assert.equal(retried.status, 200)
    await notificationsReceived(seller, 3)
    assert.equal((await meterd.admin('GET', `/deliveries/${failed[0].deliveryId}`)).body.status, 'delivered')
    await meterd.admin('DELETE', '/notifications/strict')
  })

  it('refuses bad targets with the field and the reason', async () => {
    // World-level checks name the entry's place in the world's list of targets.
    const at = (await meterd.admin('GET', '/notifications')).body.notifications.length
    const cases: [unknown, string][] = [
      [{ id: 'x', type: 'sqs', product: 'demo-saas' }, 'type: type must be one of sns-http, sns-sqs, eventbridge, webhook'],
      [{ id: 'x', type: 'sns-http', product: 'demo-saas', topic: 'subscription' }, 'url: must be an http:// or https:// URL'],
      [
        { id: 'x', type: 'sns-http', product: 'demo-saas', topic: 'subscription', url: 'ftp://seller.example/sns' },
        'url: must be an http:// or https:// URL',
      ],
      [
        { id: 'x', type: 'sns-http', product: 'nope', topic: 'subscription', url: 'http://seller.example/sns' },
        `notifications[${at}].product: unknown product nope`,
      ],
      [
        { id: 'x', type: 'sns-sqs', product: 'demo-ami', topic: 'subscription', queueUrl: 'http://q.example/1/q' },
        `notifications[${at}].product: demo-ami is a ami product; AWS Marketplace's SNS topics are for SaaS products`,
      ],
      [
        { id: 'x', type: 'sns-sqs', product: 'demo-saas', topic: 'entitlement', queueUrl: 'http://q.example/1/q' },
        `notifications[${at}].topic: demo-saas is sold by usage; the entitlement topic is for contracts`,
      ],
      [
        { id: 'x', type: 'eventbridge', detailTypes: ['Purchase Agreement Created'] },
        'detailTypes[0]: Invalid option: expected one of "Purchase Agreement Created - Proposer"|"Purchase Agreement Amended - Proposer"|"Purchase Agreement Ended - Proposer"|"License Updated - Manufacturer"|"License Deprovisioned - Manufacturer"',
      ],
      [{ id: 'x y', type: 'webhook', url: 'http://seller.example/hook' }, 'id: must be 1-64 letters, digits, - or _'],
      [
        { id: 'x', type: 'webhook', url: 'http://seller.example/hook', retry: { attempts: 3, minDelay: '2s', maxDelay: '1s' } },
        'retry.maxDelay: maxDelay must not be shorter than minDelay',
      ],
    ]
    for (const [body, message] of cases) {
      const answer = await meterd.admin('POST', '/notifications', body)
      assert.equal(answer.status, 400, JSON.stringify(body))
      assert.equal(answer.body.message, message, JSON.stringify(body))
    }
    const duplicate = await meterd.admin('POST', '/notifications', {
      id: 'fulfillment-api',
      type: 'webhook',
      url: 'http://seller.example/hook',
    })
    assert.equal(duplicate.status, 409)
    assert.equal(duplicate.body.message, 'notification target fulfillment-api exists; PUT /notifications/fulfillment-api replaces it')
  })

  it('sends a triggered test event to the subscribed endpoint without changing the world', async () => {
    const before = (await meterd.admin('GET', '/world')).body
    const sent = notifications(endpoint).length
    const triggered = await meterd.admin('POST', '/events/trigger', {
      type: 'subscribe-fail',
      productCode: 'demo-saas',
      accountId: '171717171717',
    })
    assert.equal(triggered.status, 201, JSON.stringify(triggered.body))
    assert.equal(triggered.body.triggered, true)
    const last = (await notificationsReceived(endpoint, sent + 1)).at(-1)!
    assert.equal(actionOf(last), 'subscribe-fail')
    assert.equal(JSON.parse(messageOf(last).Message!)['customer-identifier'], triggered.body.customerIdentifier)
    const afterWorld = (await meterd.admin('GET', '/world')).body
    assert.deepEqual(afterWorld, before)
    const bad = await meterd.admin('POST', '/events/trigger', {
      type: 'subscribe-sucess',
      productCode: 'demo-saas',
      accountId: '171717171717',
    })
    assert.equal(bad.status, 400)
    assert.match(bad.body.message, /^unknown event type 'subscribe-sucess': use one of subscribe-success, subscribe-fail, /)
    const noProduct = await meterd.admin('POST', '/events/trigger', {
      type: 'subscribe-success',
      productCode: 'nope',
      accountId: '171717171717',
    })
    assert.deepEqual([noProduct.status, noProduct.body.message], [400, 'no product nope'])
  })

  it('keeps metering while an endpoint is dead', async () => {
    const dead = await subscribedEndpoint('dead')
    await dead.close()
    const sub = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '181818181818' })
    const metered = await meterd.client(SELLER).send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [
          {
            CustomerIdentifier: sub.body.customerIdentifier,
            Dimension: 'users',
            Quantity: 1,
            Timestamp: new Date((await meterd.admin('GET', '/clock')).body.nowMs),
          },
        ],
      }),
    )
    assert.equal(metered.Results?.[0]?.Status, 'Success')
    const pending = await eventually(async () => {
      const found = (await meterd.admin('GET', '/deliveries?target=dead&status=pending')).body.deliveries
      return found.length > 0 && found[0].attempts > 0 ? found : undefined
    })
    assert.equal(pending.length, 1)
    assert.match(pending[0].lastError, /ECONNREFUSED/)
    assert.ok(pending[0].nextAttemptAt)
    await meterd.admin('DELETE', '/notifications/dead')
  })

  it('answers a certificate request with the PEM at its own URL', async () => {
    const cert = (await meterd.admin('GET', '/notification-certificate')).body
    assert.equal(cert.signingCertUrl, `${certHost.origin}/SimpleNotificationService-meterd.pem`)
    const own = await fetch(`${meterd.url}/sns/${cert.fileName}`)
    assert.equal(own.status, 200)
    assert.equal(await own.text(), cert.pem)
    assert.match(cert.pem, /^-----BEGIN CERTIFICATE-----\n/)
    assert.equal((await fetch(`${meterd.url}/sns/SimpleNotificationService-other.pem`)).status, 404)
  })
})

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** AWS's documented check: SHA1withRSA over the confirmation keys, Token among them. */
function verifyAsDocumented(message: Record<string, string>, certificatePem: string): boolean {
  const keys = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type']
  const text = keys.map((k) => `${k}\n${message[k]}\n`).join('')
  return verifySignature('sha1', Buffer.from(text), certificatePem, Buffer.from(message.Signature!, 'base64'))
}

/** Waits for `count` Notifications the endpoint accepted (answered 2xx); returns them in arrival order. */
async function notificationsReceivedOk(endpoint: SellerEndpoint, count: number): Promise<Received[]> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const accepted = notifications(endpoint).filter((r) => r.status >= 200 && r.status < 300)
    if (accepted.length >= count) return accepted
    if (Date.now() > deadline) throw new Error(`expected ${count} accepted notifications, got ${accepted.length}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
