import type { FastifyInstance } from 'fastify'
import type { Catalog } from '../catalog/catalog.js'
import { SubscriptionError } from '../domain/subscriptions.js'
import type { Offer } from '../domain/world.js'
import { fulfillmentFields, type SubscriptionService } from '../subscriptions/subscription-service.js'

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0}button{font-size:1rem;padding:.5rem 1.2rem}code{word-break:break-all}</style>
</head><body>${body}</body></html>`

/**
 * A stand-in for the AWS Marketplace "Subscribe" button, one page per product, so a seller can
 * click through to their real registration page: subscribing mints a registration token and the
 * next page's button makes the browser form POST AWS makes to the fulfillment URL.
 */
export async function subscribePages(
  app: FastifyInstance,
  options: { catalog: Catalog; subscriptions: SubscriptionService },
): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )

  app.get<{ Params: { product: string } }>('/subscribe/:product', async (request, reply) => {
    const product = options.catalog.findProduct(request.params.product)
    if (!product)
      return reply
        .code(404)
        .type('text/html')
        .send(page('Unknown product', `<h1>No product ${escape(request.params.product)}</h1>`))
    return reply.type('text/html').send(
      page(
        `Subscribe to ${product.code}`,
        `
<h1>Subscribe to ${escape(product.code)}</h1>
<p>${escape(product.type)} product of seller ${escape(product.seller)}. This page stands in for AWS Marketplace.</p>
<form method="post" action="/subscribe/${encodeURIComponent(product.code)}">
  <label>Buyer AWS account id <input name="accountId" required pattern="\\d{12}" placeholder="222222222222"></label>
  ${offerChoice(options.catalog.offersFor(product.code))}
  <label><input type="checkbox" name="freeTrial" value="true"> Free trial</label>
  <button type="submit">Subscribe</button>
</form>`,
      ),
    )
  })

  app.post<{ Params: { product: string }; Body: Record<string, string> }>('/subscribe/:product', async (request, reply) => {
    const accountId = request.body?.accountId ?? ''
    if (!/^\d{12}$/.test(accountId)) {
      return reply.code(400).type('text/html').send(page('Bad account id', '<h1>The AWS account id must be 12 digits.</h1>'))
    }
    try {
      const freeTrial = request.body.freeTrial === 'true'
      const offerId = request.body.offerId || undefined
      const result = await options.subscriptions.subscribe({
        productCode: request.params.product,
        accountId,
        freeTrial,
        ...(offerId ? { offerId } : {}),
        deliver: false,
      })
      const url = options.catalog.findProduct(request.params.product)?.fulfillmentUrl
      const fields = fulfillmentFields(result.registrationToken, result.offerType === 'free-trial')
      const hidden = Object.entries(fields)
        .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
        .join('\n  ')
      return reply.type('text/html').send(
        page(
          `Subscribed to ${request.params.product}`,
          `
<h1>Subscribed to ${escape(request.params.product)}</h1>
<p>Customer <code>${escape(result.customer.identifier)}</code>, agreement <code>${escape(result.agreement.id)}</code>, license <code>${escape(result.license.arn)}</code>.</p>
<p>Registration token (valid until ${new Date(result.tokenExpiresAtMs).toISOString()}): <code id="token">${escape(result.registrationToken)}</code></p>
${
  url
    ? `<form id="fulfillment" method="post" action="${escape(url)}">
  ${hidden}
  <button type="submit">Set up your account</button>
</form>`
    : '<p>This product has no fulfillment URL; resolve the token with ResolveCustomer.</p>'
}`,
        ),
      )
    } catch (error) {
      if (error instanceof SubscriptionError)
        return reply
          .code(PAGE_STATUS[error.reason] ?? 409)
          .type('text/html')
          .send(page('Cannot subscribe', `<h1>${escape(error.message)}</h1>`))
      throw error
    }
  })
}

const PAGE_STATUS: Partial<Record<SubscriptionError['reason'], number>> = {
  'unknown-product': 404,
  'unknown-offer': 404,
  'offer-not-extended': 403,
  'invalid-contract': 400,
}

/** The product's offers as the buyer picks one (none listed: the product is sold without offers). */
function offerChoice(offers: readonly Offer[]): string {
  if (offers.length === 0) return ''
  const describe = (o: Offer) =>
    [
      o.id,
      o.visibility === 'private' ? `private to ${o.buyers.join(', ')}` : 'public',
      o.freeTrialDays ? `${o.freeTrialDays}-day free trial` : '',
      o.durationMonths ? `${o.durationMonths} months${o.autoRenew ? ', renews' : ''}` : '',
    ]
      .filter(Boolean)
      .join(' · ')
  const options = offers.map((o) => `<option value="${escape(o.id)}">${escape(describe(o))}</option>`).join('')
  return `<label>Offer <select name="offerId">${options}</select></label>`
}
