import assert from 'node:assert/strict'
import { createPublicKey } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, it } from 'node:test'
import { BatchMeterUsageCommand, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering'
import { DEMO_LICENSE_ARN, DEMO_WORLD } from '../../src/catalog/demo-world.js'
import { SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'

const TOKEN = /^[A-Za-z0-9_-]{64}$/
const UNAUTHORIZED = { error: 'Unauthorized', message: 'missing or wrong admin token: send Authorization: Bearer <token>' }
const WELCOME = 'https://seller.example/welcome?from=meterd'

interface Received {
  method: string
  path: string
  contentType: string | undefined
  fields: Record<string, string>
}

/** A seller's registration page: records each request and redirects the browser, as real ones do. */
async function startFulfillmentServer(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = []
  const server: Server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        fields: Object.fromEntries(new URLSearchParams(body)),
      })
      response.writeHead(302, { location: WELCOME }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  }
}

/** Reads an attribute value as a browser would: numeric character references decoded. */
const unescapeHtml = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))

/** The fulfillment form of the "Subscribed" page: its action and hidden fields. */
function fulfillmentForm(html: string): { method: string; action: string; fields: Record<string, string> } | undefined {
  const form = /<form id="fulfillment" method="([^"]*)" action="([^"]*)">([\s\S]*?)<\/form>/.exec(html)
  if (!form) return undefined
  const fields: Record<string, string> = {}
  for (const input of form[3]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(input[1]!)] = unescapeHtml(input[2]!)
  }
  return { method: form[1]!, action: unescapeHtml(form[2]!), fields }
}

const postForm = (url: string, fields: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  })

describe('admin API', () => {
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd()
  })
  after(() => meterd.close())

  describe('authentication', () => {
    it('answers 401 Unauthorized JSON without an Authorization header, with a wrong token and with a bare token', async () => {
      for (const authorization of [undefined, 'Bearer wrong-token', meterd.server.adminToken, `Bearer ${meterd.server.adminToken}x`]) {
        const response = await fetch(`${meterd.url}/admin/keys`, { headers: authorization === undefined ? {} : { authorization } })
        assert.equal(response.status, 401, String(authorization))
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
        assert.deepEqual(await response.json(), UNAUTHORIZED)
      }
    })

    it('refuses an unauthenticated subscribe before reading its body and creates nothing', async () => {
      const response = await fetch(`${meterd.url}/admin/subscriptions`, {
        method: 'POST',
        headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
        body: JSON.stringify({ productCode: 'demo-saas', accountId: '666666666666' }),
      })
      assert.equal(response.status, 401)
      assert.deepEqual(await response.json(), UNAUTHORIZED)
      const real = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '666666666666' })
      assert.equal(real.body.createdCustomer, true)
      assert.equal(real.body.createdLicense, true)
    })

    it('does not accept SigV4-style or query-string tokens', async () => {
      const response = await fetch(`${meterd.url}/admin/keys?token=${meterd.server.adminToken}`, {
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIAMETERDSELLER0001/20260101/us-east-1/aws-marketplace/aws4_request' },
      })
      assert.equal(response.status, 401)
    })
  })

  describe('request validation', () => {
    const bad = async (path: string, body: unknown, message: string) => {
      const { status, body: answer } = await meterd.admin('POST', path, body)
      assert.equal(status, 400, JSON.stringify(body))
      assert.deepEqual(answer, { error: 'BadRequest', message })
    }

    it('answers 400 BadRequest naming the field for an account id that is not 12 digits', async () => {
      await bad('/subscriptions', { productCode: 'demo-saas', accountId: '12345' }, 'accountId: must be a 12-digit AWS account id')
      await bad('/subscriptions', { productCode: 'demo-saas', accountId: '12345678901a' }, 'accountId: must be a 12-digit AWS account id')
      await bad('/unsubscribe', { productCode: 'demo-saas', accountId: '1234567890123' }, 'accountId: must be a 12-digit AWS account id')
    })

    it('answers 400 BadRequest for an unknown field, a missing or empty productCode and a non-boolean freeTrial', async () => {
      await bad('/subscriptions', { productCode: 'demo-saas', accountId: '333333333333', plan: 'gold' }, 'body: Unrecognized key: "plan"')
      await bad('/subscriptions', { accountId: '333333333333' }, 'productCode: Invalid input: expected string, received undefined')
      await bad(
        '/subscriptions',
        { productCode: '', accountId: '333333333333' },
        'productCode: Too small: expected string to have >=1 characters',
      )
      await bad(
        '/subscriptions',
        { productCode: 'demo-saas', accountId: '333333333333', freeTrial: 'yes' },
        'freeTrial: Invalid input: expected boolean, received string',
      )
      await bad(
        '/unsubscribe',
        { productCode: 'demo-saas', accountId: '333333333333', freeTrial: true },
        'body: Unrecognized key: "freeTrial"',
      )
    })

    it('answers 400 BadRequest for a body that is not JSON', async () => {
      const response = await fetch(`${meterd.url}/admin/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${meterd.server.adminToken}`, 'content-type': 'application/json' },
        body: '{"productCode":',
      })
      assert.equal(response.status, 400)
      assert.equal(((await response.json()) as { error: string }).error, 'BadRequest')
    })

    it('answers 404 NotFound for an unknown product and an unknown admin route', async () => {
      const unknown = await meterd.admin('POST', '/subscriptions', { productCode: 'no-such-product', accountId: '333333333333' })
      assert.equal(unknown.status, 404)
      assert.deepEqual(unknown.body, { error: 'NotFound', message: 'unknown product no-such-product' })
      const route = await meterd.admin('GET', '/nothing-here')
      assert.equal(route.status, 404)
      assert.deepEqual(route.body, { error: 'NotFound', message: 'no admin route GET /admin/nothing-here' })
    })

    it('answers 409 NotSubscribed to an unsubscribe without an active subscription', async () => {
      const { status, body } = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-saas', accountId: '333333333399' })
      assert.equal(status, 409)
      assert.deepEqual(body, { error: 'NotSubscribed', message: 'account 333333333399 has no active subscription to demo-saas' })
    })
  })

  describe('subscriptions', () => {
    it('creates a customer and a license once; subscribing again reuses both but mints a new token', async () => {
      const first = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '333333333333' })
      assert.equal(first.status, 201)
      assert.deepEqual(Object.keys(first.body).sort(), [
        'accountId',
        'agreementId',
        'createdAgreement',
        'createdCustomer',
        'createdLicense',
        'customerIdentifier',
        'fulfillment',
        'licenseArn',
        'offerId',
        'offerType',
        'productCode',
        'registrationToken',
        'status',
        'tokenExpiresAt',
      ])
      assert.match(first.body.agreementId, /^agmt-[a-z0-9]{25}$/)
      assert.equal(first.body.offerId, 'offer-demo-saas', "the product's first public offer")
      assert.equal(first.body.status, 'active')
      assert.equal(first.body.createdAgreement, true)
      assert.equal(first.body.productCode, 'demo-saas')
      assert.equal(first.body.accountId, '333333333333')
      assert.equal(first.body.createdCustomer, true)
      assert.equal(first.body.createdLicense, true)
      assert.equal(first.body.offerType, null)
      assert.equal(first.body.fulfillment, null)
      assert.match(first.body.registrationToken, TOKEN)
      assert.match(first.body.licenseArn, /^arn:aws:license-manager::333333333333:license\/l-[0-9a-f]{32}$/)

      const second = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '333333333333' })
      assert.equal(second.status, 201)
      assert.equal(second.body.createdCustomer, false)
      assert.equal(second.body.createdLicense, false)
      assert.equal(second.body.customerIdentifier, first.body.customerIdentifier)
      assert.equal(second.body.licenseArn, first.body.licenseArn)
      assert.equal(second.body.agreementId, first.body.agreementId)
      assert.equal(second.body.createdAgreement, false)
      assert.match(second.body.registrationToken, TOKEN)
      assert.notEqual(second.body.registrationToken, first.body.registrationToken)
    })

    it("reuses the account's customer for another product but gives it a new license", async () => {
      const saas = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '333333333334' })
      const container = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-container', accountId: '333333333334' })
      assert.equal(container.body.createdCustomer, false)
      assert.equal(container.body.createdLicense, true)
      assert.equal(container.body.customerIdentifier, saas.body.customerIdentifier)
      assert.notEqual(container.body.licenseArn, saas.body.licenseArn)
    })

    it("keeps the demo buyer's existing customer and license", async () => {
      const { status, body } = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '222222222222' })
      assert.equal(status, 201)
      assert.equal(body.customerIdentifier, 'demo-customer-1')
      assert.equal(body.licenseArn, DEMO_LICENSE_ARN)
      assert.equal(body.createdCustomer, false)
      assert.equal(body.createdLicense, false)
    })

    it('gives a resubscription after an unsubscribe a new license for the same customer', async () => {
      const first = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-ami', accountId: '333333333335' })
      const ended = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-ami', accountId: '333333333335' })
      assert.equal(ended.status, 200)
      assert.deepEqual(
        ended.body.endedLicenses.map((l: { licenseArn: string }) => l.licenseArn),
        [first.body.licenseArn],
      )
      const again = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-ami', accountId: '333333333335' })
      assert.equal(again.status, 409)
      const back = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-ami', accountId: '333333333335' })
      assert.equal(back.body.createdCustomer, false)
      assert.equal(back.body.createdLicense, true)
      assert.equal(back.body.customerIdentifier, first.body.customerIdentifier)
      assert.notEqual(back.body.licenseArn, first.body.licenseArn)
    })

    it('marks a free trial with offerType free-trial', async () => {
      const { status, body } = await meterd.admin('POST', '/subscriptions', {
        productCode: 'demo-saas',
        accountId: '333333333336',
        freeTrial: true,
      })
      assert.equal(status, 201)
      assert.equal(body.offerType, 'free-trial')
      assert.equal(body.createdLicense, true)
    })

    it('does not call a subscription a free trial when a paid license already covers the product', async () => {
      const { body } = await meterd.admin('POST', '/subscriptions', {
        productCode: 'demo-saas',
        accountId: '222222222222',
        freeTrial: true,
      })
      assert.equal(body.createdLicense, false)
      assert.equal(body.offerType, null)
    })

    it('keeps an ended license of the config world ended across a restart with the same config', async () => {
      const ended = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-container', accountId: '222222222222' })
      assert.equal(ended.status, 200)
      await meterd.restart()
      const again = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-container', accountId: '222222222222' })
      assert.equal(again.status, 409)
      assert.equal(again.body.error, 'NotSubscribed')
    })
  })
})

describe('a free trial (clock pinned)', () => {
  const T = Date.UTC(2026, 10, 10, 8, 0)
  const HOUR = 3_600_000
  const TRIAL_END = T + 30 * 24 * HOUR
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd({ nowMs: T })
  })
  after(() => meterd.close())

  const statusAt = async (accountId: string, timestampMs: number) => {
    const out = await meterd.client(SELLER).send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp: new Date(timestampMs), CustomerAWSAccountId: accountId, Dimension: 'users', Quantity: 1 }],
      }),
    )
    return out.Results![0]!.Status
  }
  const eventTypes = async (accountId: string) =>
    (await meterd.admin('GET', `/events?accountId=${accountId}`)).body.events.map((e: { type: string; at: string }) => `${e.type} ${e.at}`)
  const iso = (ms: number) => new Date(ms).toISOString()

  it('converts to the paid subscription when its 30 days end, and keeps billing', async () => {
    meterd.clock!.set(T)
    const { body } = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-saas', accountId: '999999999991', freeTrial: true })
    assert.equal(body.offerType, 'free-trial')
    meterd.clock!.set(TRIAL_END + 2 * HOUR)
    await meterd.admin('POST', '/clock/advance', { by: 0 }) // moving the clock applies what fell due
    assert.equal(await statusAt('999999999991', TRIAL_END - HOUR), 'Success')
    assert.equal(await statusAt('999999999991', TRIAL_END + HOUR), 'Success')
    assert.deepEqual(await eventTypes('999999999991'), [
      `subscribe-success ${iso(T)}`,
      `agreement-created ${iso(T)}`,
      `license-updated ${iso(T)}`,
      `agreement-amended ${iso(TRIAL_END)}`,
    ])
    const agreement = (await meterd.admin('GET', `/agreements/${body.agreementId}`)).body
    assert.deepEqual(
      agreement.versions.map((v: { intent: string; freeTrialEnd: string | null }) => [v.intent, v.freeTrialEnd]),
      [
        ['new', iso(TRIAL_END)],
        ['amend', null],
      ],
    )
  })

  it('without conversion, bills for 30 days and not after: unsubscribe-pending at its end, unsubscribe-success an hour later', async () => {
    meterd.clock!.set(T)
    const { body } = await meterd.admin('POST', '/subscriptions', {
      productCode: 'demo-saas',
      accountId: '999999999992',
      freeTrial: true,
      trialConverts: false,
    })
    assert.equal(body.offerType, 'free-trial')
    meterd.clock!.set(TRIAL_END + 2 * HOUR)
    await meterd.admin('POST', '/clock/advance', { by: 0 })
    assert.equal(await statusAt('999999999992', TRIAL_END - HOUR), 'CustomerNotSubscribed', 'the final-metering hour is over')
    assert.equal(await statusAt('999999999992', TRIAL_END + HOUR), 'CustomerNotSubscribed')
    assert.deepEqual(await eventTypes('999999999992'), [
      `subscribe-success ${iso(T)}`,
      `agreement-created ${iso(T)}`,
      `license-updated ${iso(T)}`,
      `unsubscribe-pending ${iso(TRIAL_END)}`,
      `agreement-ended ${iso(TRIAL_END)}`,
      `license-deprovisioned ${iso(TRIAL_END)}`,
      `unsubscribe-success ${iso(TRIAL_END + HOUR)}`,
    ])
    const ended = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-saas', accountId: '999999999992' })
    assert.equal(ended.status, 409, 'nothing left to end once the trial is over')
  })
})

describe('fulfillment URL delivery and the subscribe pages', () => {
  let meterd: TestMeterd
  let fulfillment: Awaited<ReturnType<typeof startFulfillmentServer>>
  let registerUrl: string
  beforeEach(() => {
    fulfillment.received.length = 0
  })

  before(async () => {
    fulfillment = await startFulfillmentServer()
    registerUrl = `${fulfillment.url}/register?source=aws&x=1`
    meterd = await startMeterd({
      world: {
        ...DEMO_WORLD,
        products: [
          ...DEMO_WORLD.products!,
          { code: 'fulfilled-saas', type: 'saas', seller: '111111111111', dimensions: ['users'], fulfillmentUrl: registerUrl },
          {
            code: 'unreachable-saas',
            type: 'saas',
            seller: '111111111111',
            dimensions: ['users'],
            fulfillmentUrl: 'http://127.0.0.1:1/register',
          },
        ],
      },
    })
  })
  after(async () => {
    await meterd.close()
    await fulfillment.close()
  })

  const resolve = (token: string) => meterd.client(SELLER).send(new ResolveCustomerCommand({ RegistrationToken: token }))

  describe('admin subscribe', () => {
    it('form-POSTs x-amzn-marketplace-token to the fulfillment URL once and reports the redirect', async () => {
      const { status, body } = await meterd.admin('POST', '/subscriptions', { productCode: 'fulfilled-saas', accountId: '777777777777' })
      assert.equal(status, 201)
      assert.deepEqual(fulfillment.received, [
        {
          method: 'POST',
          path: '/register?source=aws&x=1',
          contentType: 'application/x-www-form-urlencoded',
          fields: { 'x-amzn-marketplace-token': body.registrationToken },
        },
      ])
      assert.deepEqual(body.fulfillment, { url: registerUrl, status: 302, location: WELCOME })
    })

    it('adds x-amzn-marketplace-offer-type=free-trial for a free trial', async () => {
      const { body } = await meterd.admin('POST', '/subscriptions', {
        productCode: 'fulfilled-saas',
        accountId: '777777777778',
        freeTrial: true,
      })
      assert.equal(fulfillment.received.length, 1)
      assert.deepEqual(fulfillment.received[0]!.fields, {
        'x-amzn-marketplace-token': body.registrationToken,
        'x-amzn-marketplace-offer-type': 'free-trial',
      })
      assert.equal(body.offerType, 'free-trial')
      assert.deepEqual(body.fulfillment, { url: registerUrl, status: 302, location: WELCOME })
    })

    it('posts nothing with deliver: false', async () => {
      const { status, body } = await meterd.admin('POST', '/subscriptions', {
        productCode: 'fulfilled-saas',
        accountId: '777777777779',
        deliver: false,
      })
      assert.equal(status, 201)
      assert.equal(body.fulfillment, null)
      assert.deepEqual(fulfillment.received, [])
    })

    it('still subscribes when the fulfillment URL cannot be reached, reporting the error', async () => {
      const { status, body } = await meterd.admin('POST', '/subscriptions', { productCode: 'unreachable-saas', accountId: '777777777780' })
      assert.equal(status, 201)
      assert.deepEqual(body.fulfillment, { url: 'http://127.0.0.1:1/register', error: 'fetch failed' })
      assert.equal((await resolve(body.registrationToken)).CustomerAWSAccountId, '777777777780')
    })

    it('delivers a token that the seller resolves to the subscribing account', async () => {
      const { body } = await meterd.admin('POST', '/subscriptions', { productCode: 'fulfilled-saas', accountId: '777777777781' })
      const posted = fulfillment.received[0]!.fields['x-amzn-marketplace-token']!
      const out = await resolve(posted)
      assert.equal(out.CustomerAWSAccountId, '777777777781')
      assert.equal(out.ProductCode, 'fulfilled-saas')
      assert.equal(out.LicenseArn, body.licenseArn)
    })
  })

  describe('subscribe page', () => {
    it('GET /subscribe/<product> is an HTML form posting to /subscribe/<product>', async () => {
      const response = await fetch(`${meterd.url}/subscribe/fulfilled-saas`)
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
      const html = await response.text()
      assert.match(html, /<form method="post" action="\/subscribe\/fulfilled-saas">/)
      assert.match(html, /<input name="accountId" required pattern="\\d\{12\}"/)
      assert.match(html, /<input type="checkbox" name="freeTrial" value="true">/)
    })

    it('POSTing the form subscribes and shows a form for the fulfillment URL that a browser submits as AWS would', async () => {
      const response = await postForm(`${meterd.url}/subscribe/fulfilled-saas`, { accountId: '888888888888', freeTrial: 'true' })
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
      const html = await response.text()
      assert.equal(fulfillment.received.length, 0, 'the page leaves the POST to the browser')
      const form = fulfillmentForm(html)
      assert.ok(form, 'the page has the fulfillment form')
      assert.equal(form.method, 'post')
      assert.equal(form.action, registerUrl)
      assert.deepEqual(Object.keys(form.fields), ['x-amzn-marketplace-token', 'x-amzn-marketplace-offer-type'])
      assert.match(form.fields['x-amzn-marketplace-token']!, TOKEN)
      assert.equal(form.fields['x-amzn-marketplace-offer-type'], 'free-trial')
      assert.equal(/<code id="token">([^<]*)<\/code>/.exec(html)?.[1], form.fields['x-amzn-marketplace-token'])

      const submitted = await postForm(form.action, form.fields)
      assert.equal(submitted.status, 302)
      assert.equal(submitted.headers.get('location'), WELCOME)
      assert.deepEqual(fulfillment.received, [
        {
          method: 'POST',
          path: '/register?source=aws&x=1',
          contentType: 'application/x-www-form-urlencoded',
          fields: { 'x-amzn-marketplace-token': form.fields['x-amzn-marketplace-token'], 'x-amzn-marketplace-offer-type': 'free-trial' },
        },
      ])

      const out = await resolve(fulfillment.received[0]!.fields['x-amzn-marketplace-token']!)
      assert.equal(out.CustomerAWSAccountId, '888888888888')
      assert.equal(out.ProductCode, 'fulfilled-saas')
      assert.match(out.LicenseArn!, /^arn:aws:license-manager::888888888888:license\/l-[0-9a-f]{32}$/)
    })

    it('without the free-trial box sends only the token', async () => {
      const html = await (await postForm(`${meterd.url}/subscribe/fulfilled-saas`, { accountId: '888888888889' })).text()
      assert.deepEqual(Object.keys(fulfillmentForm(html)!.fields), ['x-amzn-marketplace-token'])
    })

    it('for a product without fulfillment URL shows the token but no fulfillment form', async () => {
      const response = await postForm(`${meterd.url}/subscribe/demo-saas`, { accountId: '888888888890' })
      assert.equal(response.status, 200)
      const html = await response.text()
      assert.equal(fulfillmentForm(html), undefined)
      const token = /<code id="token">([^<]*)<\/code>/.exec(html)![1]!
      assert.equal((await resolve(token)).CustomerAWSAccountId, '888888888890')
    })

    it('answers 400 to an account id that is not 12 digits and subscribes nobody', async () => {
      for (const accountId of ['12345', '8888888888881', 'abcdefghijkl', '']) {
        const response = await postForm(`${meterd.url}/subscribe/fulfilled-saas`, { accountId })
        assert.equal(response.status, 400, accountId)
        assert.match(await response.text(), /<h1>The AWS account id must be 12 digits\.<\/h1>/)
      }
      assert.deepEqual(fulfillment.received, [])
    })

    it('answers 404 for an unknown product, to GET and to POST', async () => {
      const page = await fetch(`${meterd.url}/subscribe/no-such-product`)
      assert.equal(page.status, 404)
      assert.match(await page.text(), /<h1>No product no-such-product<\/h1>/)
      const post = await postForm(`${meterd.url}/subscribe/no-such-product`, { accountId: '888888888891' })
      assert.equal(post.status, 404)
      assert.match(await post.text(), /<h1>unknown product no-such-product<\/h1>/)
    })

    it("offers the product's offers; choosing one subscribes through it, an unknown one is 404", async () => {
      const html = await (await fetch(`${meterd.url}/subscribe/demo-saas`)).text()
      assert.deepEqual(
        [...html.matchAll(/<option value="([^"]+)">([^<]+)<\/option>/g)].map((m) => [m[1], m[2]]),
        [
          ['offer-demo-saas', 'offer-demo-saas · public'],
          ['offer-demo-saas-trial', 'offer-demo-saas-trial · public · 30-day free trial'],
        ],
      )
      const trial = await postForm(`${meterd.url}/subscribe/demo-saas`, { accountId: '888888888892', offerId: 'offer-demo-saas-trial' })
      assert.equal(trial.status, 200)
      const agreementId = /agreement <code>(agmt-[a-z0-9]+)<\/code>/.exec(await trial.text())![1]!
      const agreement = (await meterd.admin('GET', `/agreements/${agreementId}`)).body
      assert.deepEqual(
        [agreement.offerId, agreement.accountId, typeof agreement.freeTrialEnd],
        ['offer-demo-saas-trial', '888888888892', 'string'],
      )
      const unknown = await postForm(`${meterd.url}/subscribe/demo-saas`, { accountId: '888888888893', offerId: 'offer-nope' })
      assert.equal(unknown.status, 404)
      assert.match(await unknown.text(), /<h1>no offer offer-nope for product demo-saas<\/h1>/)
    })

    it('escapes the product code it echoes', async () => {
      const page = await fetch(`${meterd.url}/subscribe/${encodeURIComponent('<script>x</script>')}`)
      assert.equal(page.status, 404)
      const html = await page.text()
      assert.equal(html.includes('<script>'), false)
      assert.match(html, /No product &#60;script&#62;x&#60;\/script&#62;/)
    })
  })
})

describe('public keys', () => {
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd()
  })
  after(() => meterd.close())

  it('serves /keys/1.pem as an RSA public key PEM of at least 2048 bits', async () => {
    const response = await fetch(`${meterd.url}/keys/1.pem`)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'application/x-pem-file')
    const pem = await response.text()
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/)
    const key = createPublicKey(pem)
    assert.equal(key.asymmetricKeyType, 'rsa')
    assert.ok(key.asymmetricKeyDetails!.modulusLength! >= 2048, `modulus ${key.asymmetricKeyDetails!.modulusLength}`)
    assert.equal(pem.includes('PRIVATE'), false)
  })

  it('answers 404 JSON for a version that does not exist and for a name that is not <n>.pem', async () => {
    const missing = await fetch(`${meterd.url}/keys/7.pem`)
    assert.equal(missing.status, 404)
    assert.match(missing.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(await missing.json(), { error: 'NotFound', message: 'no public key 7.pem; see /keys/jwks.json' })
    for (const name of ['1', '1.der', 'x.pem', '0.pem']) {
      const response = await fetch(`${meterd.url}/keys/${name}`)
      assert.equal(response.status, 404, name)
      assert.equal(((await response.json()) as { error: string }).error, 'NotFound')
    }
  })

  it('publishes the same key as a JWKS with kid "1" and alg PS256, also under /.well-known/', async () => {
    const pem = await (await fetch(`${meterd.url}/keys/1.pem`)).text()
    const jwks = (await (await fetch(`${meterd.url}/keys/jwks.json`)).json()) as { keys: Record<string, string>[] }
    assert.equal(jwks.keys.length, 1)
    const [jwk] = jwks.keys
    assert.equal(jwk!.kid, '1')
    assert.equal(jwk!.alg, 'PS256')
    assert.equal(jwk!.kty, 'RSA')
    assert.equal(jwk!.use, 'sig')
    assert.equal(jwk!.d, undefined)
    const fromPem = createPublicKey(pem).export({ format: 'jwk' })
    assert.equal(jwk!.n, fromPem.n)
    assert.equal(jwk!.e, fromPem.e)
    const wellKnown = await (await fetch(`${meterd.url}/.well-known/jwks.json`)).json()
    assert.deepEqual(wellKnown, jwks)
  })

  it('keeps the same keys across a restart', async () => {
    const pem = await (await fetch(`${meterd.url}/keys/1.pem`)).text()
    const jwks = await (await fetch(`${meterd.url}/keys/jwks.json`)).json()
    await meterd.restart()
    assert.equal(await (await fetch(`${meterd.url}/keys/1.pem`)).text(), pem)
    assert.deepEqual(await (await fetch(`${meterd.url}/keys/jwks.json`)).json(), jwks)
  })
})
