import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { currentVersion } from '../../domain/subscriptions.js'
import type { Agreement } from '../../domain/world.js'
import type { KeyRing } from '../../keys/key-ring.js'
import type { Ledger } from '../../ledger/ledger.js'
import type { LiveCatalog } from '../../catalog/live-catalog.js'
import type { Clock } from '../../shared/clock.js'
import type { SubscriptionService } from '../../subscriptions/subscription-service.js'
import { AdminError, type RouteBook } from '../route-book.js'
import { agreementView, keyView } from '../views.js'

const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
const ContractValues = z.record(z.string().min(1), z.union([z.number(), z.boolean(), z.string()]))
const STATUSES = ['payment-failed', 'active', 'unsubscribe-pending', 'cancelled', 'expired', 'terminated', 'renewed', 'replaced'] as const

/** The buyer's subscribe/unsubscribe flow, agreements and their lifecycle, and RegisterUsage's signing keys. */
export function subscriptionRoutes(
  app: FastifyInstance,
  book: RouteBook,
  deps: { subscriptions: SubscriptionService; keys: KeyRing; clock: Clock; catalog: LiveCatalog; ledger: Ledger },
): void {
  book.add(
    app,
    {
      method: 'POST',
      url: '/subscriptions',
      tag: 'subscriptions',
      status: 201,
      summary:
        'A buyer accepts an offer: agreement, license and customer (created or reused), a registration token, delivery to the fulfillment URL',
      body: z.strictObject({
        productCode: z.string().min(1),
        accountId: AccountId,
        offerId: z.string().min(1).optional(),
        freeTrial: z.boolean().optional(),
        trialConverts: z.boolean().optional(),
        contract: ContractValues.optional(),
        months: z.number().int().min(1).max(60).optional(),
        paymentFails: z.boolean().optional(),
        deliver: z.boolean().optional(),
      }),
    },
    async ({ body }) => {
      const result = await deps.subscriptions.subscribe(body)
      return {
        productCode: body.productCode,
        accountId: body.accountId,
        customerIdentifier: result.customer.identifier,
        licenseArn: result.license.arn,
        agreementId: result.agreement.id,
        offerId: result.agreement.offer ?? null,
        status: currentVersion(result.agreement).status,
        createdCustomer: result.createdCustomer,
        createdLicense: result.createdLicense,
        createdAgreement: result.createdAgreement,
        offerType: result.offerType ?? null,
        registrationToken: result.registrationToken,
        tokenExpiresAt: new Date(result.tokenExpiresAtMs).toISOString(),
        fulfillment: result.fulfillment ?? null,
      }
    },
  )

  book.add(
    app,
    {
      method: 'POST',
      url: '/unsubscribe',
      tag: 'subscriptions',
      summary:
        "A buyer unsubscribes: the account's subscription to the product ends now (unsubscribe-pending through the final-metering window)",
      body: z.strictObject({ productCode: z.string().min(1), accountId: AccountId }),
    },
    async ({ body }) => {
      const ended = await deps.subscriptions.unsubscribe(body)
      const license = deps.catalog.world().licenses.find((l) => l.arn === ended.licenseArn && l.product === ended.product)
      return {
        productCode: body.productCode,
        accountId: body.accountId,
        agreement: agreementView(ended),
        endedLicenses: license?.end != null ? [{ licenseArn: license.arn, end: new Date(license.end).toISOString() }] : [],
      }
    },
  )

  const byId = (id: string): Agreement => {
    const agreement = deps.catalog.world().agreements.find((a) => a.id === id)
    if (!agreement) throw new AdminError(404, 'NotFound', `no agreement ${id}`)
    return agreement
  }
  book.add(
    app,
    {
      method: 'GET',
      url: '/agreements',
      tag: 'agreements',
      summary: 'List agreements as they stand (their current version), oldest first',
      query: z.strictObject({
        productCode: z.string().min(1).optional(),
        accountId: AccountId.optional(),
        customerIdentifier: z.string().min(1).optional(),
        status: z.enum(STATUSES).optional(),
      }),
    },
    async ({ query }) => ({
      agreements: deps.catalog
        .world()
        .agreements.filter(
          (a) =>
            (query.productCode === undefined || a.product === query.productCode) &&
            (query.accountId === undefined || a.accountId === query.accountId) &&
            (query.customerIdentifier === undefined || a.customer === query.customerIdentifier) &&
            (query.status === undefined || currentVersion(a).status === query.status),
        )
        .map((a) => agreementView(a)),
    }),
  )
  book.add(
    app,
    { method: 'GET', url: '/agreements/:id', tag: 'agreements', summary: 'One agreement with every version' },
    async ({ params }) => agreementView(byId(params.id!), { versions: true }),
  )
  book.add(
    app,
    {
      method: 'POST',
      url: '/agreements/:id/amend',
      tag: 'agreements',
      summary: 'Change the contract terms (an upgrade or a downgrade): a new version of the agreement',
      body: z.strictObject({ entitlements: ContractValues }),
    },
    async ({ params, body }) => {
      byId(params.id!)
      return agreementView(await deps.subscriptions.amend({ agreementId: params.id!, entitlements: body.entitlements }), { versions: true })
    },
  )
  const lifecycleRoute = (url: string, summary: string, run: (agreementId: string) => Promise<Agreement>) =>
    book.add(app, { method: 'POST', url: `/agreements/:id/${url}`, tag: 'agreements', summary }, async ({ params }) => {
      byId(params.id!)
      return agreementView(await run(params.id!), { versions: true })
    })
  lifecycleRoute(
    'renew',
    'Renew the contract now: the agreement ends as renewed, a new one (intent renew) takes over its license',
    (agreementId) => deps.subscriptions.renew({ agreementId }),
  )
  lifecycleRoute('cancel', 'The buyer cancels now: unsubscribe-pending through the final-metering window, then cancelled', (agreementId) =>
    deps.subscriptions.end({ agreementId, as: 'cancelled' }),
  )
  lifecycleRoute('expire', 'The contract expires now (instead of at its end): unsubscribe-pending, then expired', (agreementId) =>
    deps.subscriptions.end({ agreementId, as: 'expired' }),
  )

  book.add(
    app,
    { method: 'GET', url: '/keys', tag: 'keys', summary: "RegisterUsage's signing key versions (public halves only)" },
    async () => ({
      keys: deps.keys.list().map(keyView),
    }),
  )

  book.add(
    app,
    { method: 'POST', url: '/keys/rotate', tag: 'keys', status: 201, summary: 'Add the next key version; the current one expires now' },
    async () => ({ keys: (await deps.keys.rotate(deps.clock.nowMs())).map(keyView) }),
  )
}
