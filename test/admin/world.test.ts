import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, type MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import type { AdminClient } from '../../src/admin/admin-client.js'
import { DEMO_LICENSE_ARN } from '../../src/catalog/demo-world.js'
import { CUSTOMER, errorOf, midMonthHourAgo, MID_MONTH_MS, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, assertAdminError } from './support.js'

const SECOND_KEY = { accessKeyId: 'AKIAMETERDSELLER0002', secretAccessKey: 'second-seller-secret' }
const ACME_ARN = 'arn:aws:license-manager::333333333333:license/l-acme0000000000000001'
const enc = encodeURIComponent

describe('admin API: the world at run time (AdminClient)', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  const batch = (client: MarketplaceMeteringClient, customer: string, timestamp: Date, dimension = 'users', quantity = 1) =>
    client.send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp: timestamp, CustomerIdentifier: customer, Dimension: dimension, Quantity: quantity }],
      }),
    )

  before(async () => {
    meterd = await startMeterd({ nowMs: MID_MONTH_MS })
    admin = adminOf(meterd)
  })
  after(() => meterd.close())

  describe('accounts and credentials', () => {
    it('creates, reads, replaces and deletes an account; a second create is 409 Conflict and a deleted one is 404', async () => {
      const created = await admin.create('accounts', { id: '444444444444', name: 'second seller' })
      assert.deepEqual(created, { id: '444444444444', name: 'second seller', credentials: [] })
      assert.deepEqual(await admin.get('accounts', '444444444444'), created)
      assert.deepEqual(
        (await admin.list('accounts')).accounts!.map((a) => (a as { id: string }).id),
        ['111111111111', '222222222222', '444444444444'],
      )
      await assertAdminError(
        () => admin.create('accounts', { id: '444444444444' }),
        409,
        'Conflict',
        'account 444444444444 exists; PUT /accounts/444444444444 replaces it',
      )

      const replaced = await admin.put('accounts', '444444444444', { id: '444444444444', name: 'renamed' })
      assert.deepEqual(replaced, { id: '444444444444', name: 'renamed', credentials: [] })
      assert.equal((await admin.get('accounts', '444444444444')).name, 'renamed')
      await assertAdminError(
        () => admin.put('accounts', '444444444444', { id: '555555555555' }),
        400,
        'BadRequest',
        'the body names account 555555555555, the path 444444444444',
      )

      assert.deepEqual(await admin.remove('accounts', '444444444444'), { deleted: '444444444444' })
      await assertAdminError(() => admin.get('accounts', '444444444444'), 404, 'NotFound', 'no account 444444444444')
      await assertAdminError(() => admin.remove('accounts', '444444444444'), 404, 'NotFound', 'no account 444444444444')
    })

    it('rejects bad accounts with 400 BadRequest naming the field', async () => {
      await assertAdminError(() => admin.create('accounts', { id: '12' }), 400, 'BadRequest', 'id: must be a 12-digit AWS account id')
      await assertAdminError(
        () => admin.create('accounts', { id: '444444444444', colour: 'red' }),
        400,
        'BadRequest',
        'body: Unrecognized key: "colour"',
      )
      await assertAdminError(
        () => admin.create('accounts', { id: '444444444444', credentials: [{ accessKeyId: 'short', secretAccessKey: 'x' }] }),
        400,
        'BadRequest',
        'credentials[0].accessKeyId: must be 16-128 upper-case letters or digits',
      )
      await assertAdminError(
        () =>
          admin.create('accounts', {
            id: '444444444444',
            credentials: [{ accessKeyId: SELLER.accessKeyId, secretAccessKey: 'x', region: 'moon' }],
          }),
        400,
        'BadRequest',
        'credentials[0].region: must be an AWS region such as us-east-1',
      )
      // A key another account holds: checked across the whole world, as in a config file.
      await assertAdminError(
        () => admin.create('accounts', { id: '444444444444', credentials: [{ accessKeyId: SELLER.accessKeyId, secretAccessKey: 'x' }] }),
        400,
        'BadRequest',
        'accounts[2].credentials[0].accessKeyId: duplicate access key AKIAMETERDSELLER0001',
      )
      await assertAdminError(() => admin.get('accounts', '444444444444'), 404, 'NotFound', 'no account 444444444444')
    })

    it('a credential added to an account signs BatchMeterUsage at once; once removed, its key gets UnrecognizedClientException', async () => {
      const account = await admin.request<{ credentials: unknown[] }>('POST', '/accounts/111111111111/credentials', SECOND_KEY)
      assert.deepEqual(account.credentials[1], { ...SECOND_KEY, region: 'us-east-1' })
      const second = meterd.client({ ...SECOND_KEY }) // the SDK marks the object it is given
      const out = await batch(second, CUSTOMER, midMonthHourAgo(5))
      assert.equal(out.Results![0]!.Status, 'Success')

      const after = await admin.request<{ credentials: { accessKeyId: string }[] }>(
        'DELETE',
        `/accounts/111111111111/credentials/${SECOND_KEY.accessKeyId}`,
      )
      assert.deepEqual(
        after.credentials.map((c) => c.accessKeyId),
        [SELLER.accessKeyId],
      )
      const refused = await errorOf(() => batch(second, CUSTOMER, midMonthHourAgo(6)))
      assert.equal(refused.name, 'UnrecognizedClientException')
      assert.equal(refused.message, 'The security token included in the request is invalid.')

      await assertAdminError(
        () => admin.request('DELETE', `/accounts/111111111111/credentials/${SECOND_KEY.accessKeyId}`),
        404,
        'NotFound',
        'no credential AKIAMETERDSELLER0002 in account 111111111111',
      )
      await assertAdminError(
        () => admin.request('POST', '/accounts/999999999999/credentials', SECOND_KEY),
        404,
        'NotFound',
        'no account 999999999999',
      )
      await assertAdminError(
        () => admin.request('POST', '/accounts/111111111111/credentials', { accessKeyId: SECOND_KEY.accessKeyId }),
        400,
        'BadRequest',
        'secretAccessKey: Invalid input: expected string, received undefined',
      )
    })
  })

  describe('products and dimensions', () => {
    it('creates a product, prices a dimension with PUT /products/:code/dimensions/:name and removes one', async () => {
      const created = await admin.create('products', { code: 'widget-saas', type: 'saas', seller: '111111111111', dimensions: ['seats'] })
      assert.deepEqual(created, {
        code: 'widget-saas',
        type: 'saas',
        seller: '111111111111',
        pricing: 'usage',
        dimensions: [{ name: 'seats' }],
        contractDimensions: [],
        integration: 'concurrent-agreements',
        notifications: 'both',
      })

      const added = await admin.request<{ dimensions: unknown[] }>('PUT', '/products/widget-saas/dimensions/storage_gb', { price: 0.25 })
      assert.deepEqual(added.dimensions, [{ name: 'seats' }, { name: 'storage_gb', price: 0.25 }])
      const priced = await admin.request<{ dimensions: unknown[] }>('PUT', '/products/widget-saas/dimensions/seats', { price: 12 })
      assert.deepEqual(priced.dimensions, [
        { name: 'seats', price: 12 },
        { name: 'storage_gb', price: 0.25 },
      ])
      const removed = await admin.request<{ dimensions: unknown[] }>('DELETE', '/products/widget-saas/dimensions/storage_gb')
      assert.deepEqual(removed.dimensions, [{ name: 'seats', price: 12 }])
      assert.deepEqual((await admin.get('products', 'widget-saas')).dimensions, [{ name: 'seats', price: 12 }])

      await assertAdminError(() => admin.request('PUT', '/products/nope/dimensions/seats', {}), 404, 'NotFound', 'no product nope')
      await assertAdminError(
        () => admin.request('PUT', '/products/widget-saas/dimensions/seats', { price: -1 }),
        400,
        'BadRequest',
        'price: Too small: expected number to be >=0',
      )
      await assertAdminError(
        () => admin.request('PUT', '/products/widget-saas/dimensions/seats', { price: 'cheap' }),
        400,
        'BadRequest',
        'price: Invalid input: expected number, received string',
      )
      await assertAdminError(
        () => admin.request('DELETE', '/products/widget-saas/dimensions/nope'),
        404,
        'NotFound',
        'no dimension nope in product widget-saas',
      )
      await assertAdminError(
        () => admin.request('DELETE', '/products/widget-saas/dimensions/seats'),
        400,
        'BadRequest',
        'products[4].dimensions: a product priced by usage needs at least one metering dimension',
      )
    })

    it('validates products like the config file: each bad field is a 400 BadRequest naming it, and nothing changes', async () => {
      const good = { code: 'gadget', type: 'saas', seller: '111111111111', dimensions: ['users'] }
      await assertAdminError(
        () => admin.create('products', { ...good, type: 'nope' }),
        400,
        'BadRequest',
        'type: Invalid option: expected one of "saas"|"ami"|"container"',
      )
      await assertAdminError(
        () => admin.create('products', { ...good, code: 'has space' }),
        400,
        'BadRequest',
        'code: must match ^[-a-zA-Z0-9/=:_.@]+$',
      )
      await assertAdminError(
        () => admin.create('products', { ...good, seller: '12' }),
        400,
        'BadRequest',
        'seller: must be a 12-digit AWS account id',
      )
      await assertAdminError(
        () => admin.create('products', { ...good, seller: '999999999999' }),
        400,
        'BadRequest',
        'products[5].seller: unknown account 999999999999',
      )
      await assertAdminError(
        () => admin.create('products', { ...good, dimensions: [] }),
        400,
        'BadRequest',
        'dimensions: a product priced by usage needs at least one metering dimension',
      )
      await assertAdminError(
        () => admin.create('products', { ...good, dimensions: ['users', 'users'] }),
        400,
        'BadRequest',
        'products[5].dimensions: duplicate dimension',
      )
      await assertAdminError(
        () => admin.create('products', { ...good, fulfillmentUrl: 'not a url' }),
        400,
        'BadRequest',
        'fulfillmentUrl: Invalid URL',
      )
      await assertAdminError(
        () => admin.create('products', { code: 'gadget' }),
        400,
        'BadRequest',
        [
          'type: Invalid option: expected one of "saas"|"ami"|"container"',
          'seller: Invalid input: expected string, received undefined',
          'dimensions: a product priced by usage needs at least one metering dimension',
        ].join('\n'),
      )
      await assertAdminError(() => admin.get('products', 'gadget'), 404, 'NotFound', 'no product gadget')
    })

    it('refuses to delete a product licenses use (400 naming licenses[i].product) and deletes an unused one', async () => {
      await assertAdminError(
        () => admin.remove('products', 'demo-ami'),
        400,
        'BadRequest',
        [
          'licenses[1].product: unknown product demo-ami',
          'offers[1].product: unknown product demo-ami',
          'agreements[1].product: unknown product demo-ami',
        ].join('\n'),
      )
      assert.equal((await admin.get('products', 'demo-ami')).code, 'demo-ami')
      await assertAdminError(
        () => admin.remove('accounts', '111111111111'),
        400,
        'BadRequest',
        /^products\[0\]\.seller: unknown account 111111111111\nproducts\[1\]\.seller: /,
      )
      await admin.create('products', { code: 'short-lived', type: 'ami', seller: '111111111111', dimensions: ['hosts'] })
      assert.deepEqual(await admin.remove('products', 'short-lived'), { deleted: 'short-lived' })
      await assertAdminError(() => admin.remove('products', 'short-lived'), 404, 'NotFound', 'no product short-lived')
    })
  })

  describe('customers and licenses', () => {
    it('creates and replaces a customer; a duplicate is 409, a bad account id 400, and a customer with licenses cannot be deleted', async () => {
      assert.deepEqual(await admin.create('customers', { identifier: 'acme', accountId: '333333333333' }), {
        identifier: 'acme',
        accountId: '333333333333',
      })
      await assertAdminError(
        () => admin.create('customers', { identifier: 'acme', accountId: '333333333333' }),
        409,
        'Conflict',
        'customer acme exists; PUT /customers/acme replaces it',
      )
      await assertAdminError(
        () => admin.create('customers', { identifier: 'other', accountId: 'abc' }),
        400,
        'BadRequest',
        'accountId: must be a 12-digit AWS account id',
      )
      await assertAdminError(
        () => admin.create('customers', { identifier: '', accountId: '333333333333' }),
        400,
        'BadRequest',
        'identifier: Too small: expected string to have >=1 characters',
      )
      assert.deepEqual(await admin.put('customers', 'acme', { identifier: 'acme', accountId: '444444444444' }), {
        identifier: 'acme',
        accountId: '444444444444',
      })
      assert.deepEqual(await admin.get('customers', 'acme'), { identifier: 'acme', accountId: '444444444444' })
      await admin.put('customers', 'acme', { identifier: 'acme', accountId: '333333333333' })
      await assertAdminError(
        () => admin.remove('customers', CUSTOMER),
        400,
        'BadRequest',
        [
          'licenses[0].customer: unknown customer demo-customer-1',
          'licenses[1].customer: unknown customer demo-customer-1',
          'licenses[2].customer: unknown customer demo-customer-1',
          'licenses[3].customer: unknown customer demo-customer-1',
          'agreements[0].customer: unknown customer demo-customer-1',
          'agreements[1].customer: unknown customer demo-customer-1',
          'agreements[2].customer: unknown customer demo-customer-1',
          'agreements[3].customer: unknown customer demo-customer-1',
        ].join('\n'),
      )
      await assertAdminError(() => admin.get('customers', 'nobody'), 404, 'NotFound', 'no customer nobody')
    })

    it('creates a license: BatchMeterUsage succeeds for its customer until it is ended, then later hours get CustomerNotSubscribed', async () => {
      const seller = meterd.client(SELLER)
      const notYet = await batch(seller, 'acme', midMonthHourAgo(6))
      assert.equal(notYet.Results![0]!.Status, 'CustomerNotSubscribed')

      const license = await admin.create('licenses', {
        arn: ACME_ARN,
        customer: 'acme',
        product: 'demo-saas',
        start: '2020-01-01T00:00:00Z',
      })
      assert.deepEqual(license, {
        arn: ACME_ARN,
        customer: 'acme',
        product: 'demo-saas',
        start: '2020-01-01T00:00:00.000Z',
        end: null,
        status: 'active',
      })
      await assertAdminError(
        () => admin.create('licenses', { arn: ACME_ARN, customer: 'acme', product: 'demo-saas', start: '2021-01-01T00:00:00Z' }),
        409,
        'Conflict',
        `license ${ACME_ARN} already grants demo-saas`,
      )
      assert.equal((await batch(seller, 'acme', midMonthHourAgo(4))).Results![0]!.Status, 'Success')

      // Ended half an hour ago: inside the final-metering hour, usage before the end still counts.
      const endAt = midMonthHourAgo(0)
      const ended = await admin.endLicense(ACME_ARN, 'demo-saas', endAt.toISOString())
      assert.deepEqual(ended, {
        arn: ACME_ARN,
        customer: 'acme',
        product: 'demo-saas',
        start: '2020-01-01T00:00:00.000Z',
        end: endAt.toISOString(),
        status: 'ended',
      })
      assert.equal((await batch(seller, 'acme', midMonthHourAgo(1), 'api_calls')).Results![0]!.Status, 'Success') // before the end
      assert.equal((await batch(seller, 'acme', midMonthHourAgo(0), 'api_calls')).Results![0]!.Status, 'CustomerNotSubscribed') // the end is exclusive
      assert.equal((await batch(seller, 'acme', midMonthHourAgo(0, 20), 'api_calls')).Results![0]!.Status, 'CustomerNotSubscribed')
      const listed = (await admin.list('licenses')).licenses as { arn: string; status: string; end: string | null }[]
      assert.deepEqual(
        listed.filter((l) => l.arn === ACME_ARN).map((l) => [l.status, l.end]),
        [['ended', endAt.toISOString()]],
      )
    })

    it('answers 404 for an unknown license and 400 for bad license fields', async () => {
      await assertAdminError(() => admin.endLicense(ACME_ARN, 'demo-ami'), 404, 'NotFound', `no license ${ACME_ARN} for demo-ami`)
      await assertAdminError(
        () => admin.endLicense(ACME_ARN, 'demo-saas', 'tomorrow'),
        400,
        'BadRequest',
        'at: must be an ISO-8601 date-time',
      )
      await assertAdminError(
        () => admin.endLicense(ACME_ARN, 'demo-saas', '2019-06-01T00:00:00Z'),
        400,
        'BadRequest',
        'licenses[4].end: must not be before start',
      )
      const good = {
        arn: 'arn:aws:license-manager::333333333333:license/l-acme0000000000000002',
        customer: 'acme',
        product: 'demo-ami',
        start: '2020-01-01T00:00:00Z',
      }
      await assertAdminError(
        () => admin.create('licenses', { ...good, arn: 'license-1' }),
        400,
        'BadRequest',
        'arn: must be a License Manager ARN (arn:aws:license-manager::...)',
      )
      await assertAdminError(
        () => admin.create('licenses', { ...good, start: 'soon' }),
        400,
        'BadRequest',
        'start: must be an ISO-8601 date-time or epoch seconds',
      )
      await assertAdminError(
        () => admin.create('licenses', { ...good, status: 'paused' }),
        400,
        'BadRequest',
        'status: Invalid option: expected one of "active"|"ended"|"suspended"',
      )
      await assertAdminError(
        () => admin.create('licenses', { ...good, customer: 'ghost', product: 'ghost-product' }),
        400,
        'BadRequest',
        'licenses[5].customer: unknown customer ghost\nlicenses[5].product: unknown product ghost-product',
      )
      await assertAdminError(
        () => admin.request('PUT', `/licenses/${enc(good.arn)}/demo-saas`, good),
        400,
        'BadRequest',
        'the body names another license than the path',
      )
    })

    it('replaces and deletes a license entry with PUT and DELETE /licenses/:arn/:product', async () => {
      const arn = 'arn:aws:license-manager::333333333333:license/l-acme0000000000000003'
      const put = await admin.request('PUT', `/licenses/${enc(arn)}/demo-ami`, {
        arn,
        customer: 'acme',
        product: 'demo-ami',
        start: '2024-01-01T00:00:00Z',
        status: 'suspended',
      })
      assert.deepEqual(put, {
        arn,
        customer: 'acme',
        product: 'demo-ami',
        start: '2024-01-01T00:00:00.000Z',
        end: null,
        status: 'suspended',
      })
      const again = await admin.request('PUT', `/licenses/${enc(arn)}/demo-ami`, {
        arn,
        customer: 'acme',
        product: 'demo-ami',
        start: '2025-01-01T00:00:00Z',
      })
      assert.deepEqual(again, {
        arn,
        customer: 'acme',
        product: 'demo-ami',
        start: '2025-01-01T00:00:00.000Z',
        end: null,
        status: 'active',
      })
      const licenses = (await admin.list('licenses')).licenses as { arn: string }[]
      assert.equal(licenses.filter((l) => l.arn === arn).length, 1)
      assert.deepEqual(await admin.request('DELETE', `/licenses/${enc(arn)}/demo-ami`), { deleted: { arn, product: 'demo-ami' } })
      await assertAdminError(
        () => admin.request('DELETE', `/licenses/${enc(arn)}/demo-ami`),
        404,
        'NotFound',
        `no license ${arn} for demo-ami`,
      )
    })
  })

  describe('the whole world', () => {
    it('GET /admin/world then PUT /admin/world round-trips it; a bad world is refused whole, naming the field', async () => {
      const world = await admin.exportWorld()
      assert.deepEqual(Object.keys(world), ['accounts', 'products', 'customers', 'licenses', 'offers', 'agreements', 'notifications'])
      assert.deepEqual(await admin.importWorld(world), world)
      assert.deepEqual(await admin.exportWorld(), world)

      const smaller = { ...world, customers: [...(world.customers as object[]), { identifier: 'extra', accountId: '555555555555' }] }
      await admin.importWorld(smaller)
      assert.deepEqual(await admin.get('customers', 'extra'), { identifier: 'extra', accountId: '555555555555' })
      await admin.importWorld(world)
      await assertAdminError(() => admin.get('customers', 'extra'), 404, 'NotFound', 'no customer extra')

      const products = world.products
      const badType = { ...world, products: [{ ...products[0], type: 'nope' }, ...products.slice(1)] }
      await assertAdminError(
        () => admin.importWorld(badType),
        400,
        'BadRequest',
        'products[0].type: Invalid option: expected one of "saas"|"ami"|"container"',
      )
      await assertAdminError(() => admin.importWorld({ ...world, settings: {} }), 400, 'BadRequest', '(root): Unrecognized key: "settings"')
      await assertAdminError(
        () => admin.importWorld({ ...world, products: [] }),
        400,
        'BadRequest',
        /^licenses\[0\]\.product: unknown product demo-saas\n/,
      )
      assert.deepEqual(await admin.exportWorld(), world)
    })

    it('keeps run-time changes across a restart', async () => {
      await admin.create('customers', { identifier: 'durable', accountId: '666666666666' })
      await admin.request('PUT', '/products/demo-saas/dimensions/users', { price: 0.5 })
      await admin.endLicense(DEMO_LICENSE_ARN, 'demo-container', '2025-01-01T00:00:00Z')
      const before = await admin.exportWorld()
      await meterd.restart()
      const fresh = adminOf(meterd)
      assert.deepEqual(await fresh.exportWorld(), before)
      assert.deepEqual(await fresh.get('customers', 'durable'), { identifier: 'durable', accountId: '666666666666' })
      assert.deepEqual((await fresh.get('products', 'demo-saas')).dimensions, [{ name: 'users', price: 0.5 }, { name: 'api_calls' }])
      const containerLicense = ((await fresh.list('licenses')).licenses as { product: string; status: string; end: string }[]).find(
        (l) => l.product === 'demo-container',
      )
      assert.deepEqual([containerLicense?.status, containerLicense?.end], ['ended', '2025-01-01T00:00:00.000Z'])
    })
  })
})
