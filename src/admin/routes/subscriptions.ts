import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { KeyRing } from '../../keys/key-ring.js'
import type { Clock } from '../../shared/clock.js'
import type { SubscriptionService } from '../../subscriptions/subscription-service.js'
import type { RouteBook } from '../route-book.js'
import { keyView } from '../views.js'

const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')

/** The buyer's subscribe/unsubscribe flow and RegisterUsage's signing keys. */
export function subscriptionRoutes(
  app: FastifyInstance,
  book: RouteBook,
  deps: { subscriptions: SubscriptionService; keys: KeyRing; clock: Clock },
): void {
  book.add(
    app,
    {
      method: 'POST',
      url: '/subscriptions',
      tag: 'subscriptions',
      status: 201,
      summary: 'A buyer subscribes: customer and license (created or reused), a registration token, delivery to the fulfillment URL',
      body: z.strictObject({
        productCode: z.string().min(1),
        accountId: AccountId,
        freeTrial: z.boolean().optional(),
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
        createdCustomer: result.createdCustomer,
        createdLicense: result.createdLicense,
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
      summary: "A buyer cancels: the account's licenses to the product end now",
      body: z.strictObject({ productCode: z.string().min(1), accountId: AccountId }),
    },
    async ({ body }) => {
      const ended = await deps.subscriptions.unsubscribe(body)
      return {
        productCode: body.productCode,
        accountId: body.accountId,
        endedLicenses: ended.map((l) => ({ licenseArn: l.arn, end: new Date(l.end!).toISOString() })),
      }
    },
  )

  book.add(
    app,
    { method: 'GET', url: '/keys', tag: 'keys', summary: "RegisterUsage's signing key versions (public halves only)" },
    async () => ({ keys: deps.keys.list().map(keyView) }),
  )

  book.add(
    app,
    { method: 'POST', url: '/keys/rotate', tag: 'keys', status: 201, summary: 'Add the next key version; the current one expires now' },
    async () => ({ keys: (await deps.keys.rotate(deps.clock.nowMs())).map(keyView) }),
  )
}
