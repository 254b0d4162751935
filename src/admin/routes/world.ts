import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { type LiveCatalog, worldToDocument } from '../../catalog/live-catalog.js'
import {
  AccountSchema,
  CredentialSchema,
  CustomerSchema,
  DimensionSchema,
  LicenseSchema,
  NotificationTargetSchema,
  OfferSchema,
  parseWorld,
  ProductSchema,
} from '../../catalog/world.js'
import type { Account, Customer, License, NotificationTarget, Offer, Product, World } from '../../domain/world.js'
import type { Ledger } from '../../ledger/ledger.js'
import { subscriptionView } from './notifications.js'
import type { Clock } from '../../shared/clock.js'
import { AdminError, type RouteBook } from '../route-book.js'

type Collection = 'accounts' | 'products' | 'customers' | 'offers' | 'notifications'
type Item<C extends Collection> = World[C][number]

const notFound = (what: string) => new AdminError(404, 'NotFound', `no ${what}`)
const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString())
const licenseView = (l: License) => ({ ...l, start: iso(l.start), end: iso(l.end) })

/**
 * The world at run time, with the same validation as the config file: every change is applied to
 * a copy, the whole world is checked (fields and references), then stored for every node.
 */
export function worldRoutes(app: FastifyInstance, book: RouteBook, deps: { catalog: LiveCatalog; clock: Clock; ledger: Ledger }): void {
  const { catalog } = deps
  const change = <T>(fn: (world: World) => { world: World; result: T }) => catalog.update(fn, deps.clock.nowMs())

  book.add(app, { method: 'GET', url: '/world', tag: 'world', summary: 'The whole world in the config-file format (export)' }, async () =>
    worldToDocument(catalog.world()),
  )
  book.add(
    app,
    {
      method: 'PUT',
      url: '/world',
      tag: 'world',
      summary: 'Replace the whole world (import); validated like a config file',
      body: z.unknown(),
    },
    async ({ body }) => {
      const next = parseWorld(body)
      await change(() => ({ world: next, result: undefined }))
      return worldToDocument(catalog.world())
    },
  )

  const collection = <C extends Collection>(
    name: C,
    key: (item: Item<C>) => string,
    schema: z.ZodType<Item<C>, unknown>,
    label: string,
    view: (items: Item<C>[]) => Promise<unknown[]> = async (items) => items,
  ) => {
    const find = (k: string) => (catalog.world()[name] as Item<C>[]).find((item) => key(item) === k)
    book.add(app, { method: 'GET', url: `/${name}`, tag: 'world', summary: `List ${name}` }, async () => ({
      [name]: await view(catalog.world()[name] as Item<C>[]),
    }))
    book.add(app, { method: 'GET', url: `/${name}/:key`, tag: 'world', summary: `One ${label}` }, async ({ params }) => {
      const item = find(params.key!)
      if (!item) throw notFound(`${label} ${params.key}`)
      return (await view([item]))[0]
    })
    book.add(
      app,
      { method: 'POST', url: `/${name}`, tag: 'world', status: 201, summary: `Create a ${label}`, body: schema },
      async ({ body }) =>
        change((world) => {
          if ((world[name] as Item<C>[]).some((item) => key(item) === key(body)))
            throw new AdminError(409, 'Conflict', `${label} ${key(body)} exists; PUT /${name}/${key(body)} replaces it`)
          return { world: { ...world, [name]: [...world[name], body] }, result: body }
        }),
    )
    book.add(
      app,
      { method: 'PUT', url: `/${name}/:key`, tag: 'world', summary: `Create or replace a ${label}`, body: schema },
      async ({ body, params }) => {
        if (key(body) !== params.key)
          throw new AdminError(400, 'BadRequest', `the body names ${label} ${key(body)}, the path ${params.key}`)
        return change((world) => ({
          world: { ...world, [name]: [...(world[name] as Item<C>[]).filter((item) => key(item) !== params.key), body] },
          result: body,
        }))
      },
    )
    book.add(
      app,
      { method: 'DELETE', url: `/${name}/:key`, tag: 'world', summary: `Delete a ${label} (refused while others refer to it)` },
      async ({ params }) =>
        change((world) => {
          const items = world[name] as Item<C>[]
          if (!items.some((item) => key(item) === params.key)) throw notFound(`${label} ${params.key}`)
          return { world: { ...world, [name]: items.filter((item) => key(item) !== params.key) }, result: { deleted: params.key } }
        }),
    )
  }
  collection('accounts', (a: Account) => a.id, AccountSchema, 'account')
  collection('products', (p: Product) => p.code, ProductSchema, 'product')
  collection('customers', (c: Customer) => c.identifier, CustomerSchema, 'customer')
  collection('offers', (o: Offer) => o.id, OfferSchema, 'offer')
  // Notification targets, each with the state of its subscription (pending confirmation, confirmed, unsubscribed).
  collection(
    'notifications',
    (t: NotificationTarget) => t.id,
    NotificationTargetSchema,
    'notification target',
    async (targets) => {
      const states = new Map((await deps.ledger.listTargetStates()).map((s) => [s.targetId, s]))
      return targets.map((t) => {
        const state = states.get(t.id)
        return { ...t, subscription: state ? subscriptionView(state) : { status: 'opening', subscriptionArn: null, since: null } }
      })
    },
  )

  const editAccount = (id: string, edit: (account: Account) => Account) =>
    change((world) => {
      const account = world.accounts.find((a) => a.id === id)
      if (!account) throw notFound(`account ${id}`)
      const edited = edit(account)
      return { world: { ...world, accounts: world.accounts.map((a) => (a.id === id ? edited : a)) }, result: edited }
    })
  book.add(
    app,
    {
      method: 'POST',
      url: '/accounts/:key/credentials',
      tag: 'world',
      status: 201,
      summary: 'Add a credential to an account',
      body: CredentialSchema,
    },
    async ({ body, params }) => editAccount(params.key!, (a) => ({ ...a, credentials: [...a.credentials, body] })),
  )
  book.add(
    app,
    { method: 'DELETE', url: '/accounts/:key/credentials/:accessKeyId', tag: 'world', summary: 'Remove a credential' },
    async ({ params }) =>
      editAccount(params.key!, (a) => {
        if (!a.credentials.some((c) => c.accessKeyId === params.accessKeyId))
          throw notFound(`credential ${params.accessKeyId} in account ${a.id}`)
        return { ...a, credentials: a.credentials.filter((c) => c.accessKeyId !== params.accessKeyId) }
      }),
  )

  const editProduct = (code: string, edit: (product: Product) => Product) =>
    change((world) => {
      const product = world.products.find((p) => p.code === code)
      if (!product) throw notFound(`product ${code}`)
      const edited = edit(product)
      return { world: { ...world, products: world.products.map((p) => (p.code === code ? edited : p)) }, result: edited }
    })
  book.add(
    app,
    {
      method: 'PUT',
      url: '/products/:key/dimensions/:name',
      tag: 'world',
      summary: 'Add or change a dimension (optionally with a price)',
      body: z.strictObject({ price: z.number().nonnegative().optional() }),
    },
    async ({ body, params }) =>
      editProduct(params.key!, (p) => {
        const dimension = DimensionSchema.parse({ name: params.name, ...body })
        const exists = p.dimensions.some((d) => d.name === params.name)
        return {
          ...p,
          dimensions: exists ? p.dimensions.map((d) => (d.name === params.name ? dimension : d)) : [...p.dimensions, dimension],
        }
      }),
  )
  book.add(
    app,
    { method: 'DELETE', url: '/products/:key/dimensions/:name', tag: 'world', summary: 'Remove a dimension' },
    async ({ params }) =>
      editProduct(params.key!, (p) => {
        if (!p.dimensions.some((d) => d.name === params.name)) throw notFound(`dimension ${params.name} in product ${p.code}`)
        return { ...p, dimensions: p.dimensions.filter((d) => d.name !== params.name) }
      }),
  )

  // Licenses: one entry per (LicenseArn, product); the ARN goes URL-encoded in the path.
  const grant = (world: World, arn: string, product: string) => world.licenses.find((l) => l.arn === arn && l.product === product)
  book.add(app, { method: 'GET', url: '/licenses', tag: 'world', summary: 'List licenses' }, async () => ({
    licenses: catalog.world().licenses.map(licenseView),
  }))
  book.add(
    app,
    { method: 'POST', url: '/licenses', tag: 'world', status: 201, summary: 'Create a license (one product)', body: LicenseSchema },
    async ({ body }) =>
      change((world) => {
        if (grant(world, body.arn, body.product))
          throw new AdminError(409, 'Conflict', `license ${body.arn} already grants ${body.product}`)
        return { world: { ...world, licenses: [...world.licenses, body] }, result: licenseView(body) }
      }),
  )
  book.add(
    app,
    { method: 'PUT', url: '/licenses/:arn/:product', tag: 'world', summary: 'Create or replace a license', body: LicenseSchema },
    async ({ body, params }) => {
      if (body.arn !== params.arn || body.product !== params.product)
        throw new AdminError(400, 'BadRequest', 'the body names another license than the path')
      return change((world) => ({
        world: { ...world, licenses: [...world.licenses.filter((l) => !(l.arn === body.arn && l.product === body.product)), body] },
        result: licenseView(body),
      }))
    },
  )
  book.add(
    app,
    {
      method: 'POST',
      url: '/licenses/:arn/:product/end',
      tag: 'world',
      summary: 'End a license (at `at`, default now)',
      body: z.strictObject({ at: z.string().optional() }),
    },
    async ({ body, params }) =>
      change((world) => {
        const l = grant(world, params.arn!, params.product!)
        if (!l) throw notFound(`license ${params.arn} for ${params.product}`)
        const at = body.at === undefined ? deps.clock.nowMs() : Date.parse(body.at)
        if (!Number.isFinite(at)) throw new AdminError(400, 'BadRequest', 'at: must be an ISO-8601 date-time')
        const ended: License = { ...l, end: at, status: 'ended' }
        return { world: { ...world, licenses: world.licenses.map((x) => (x === l ? ended : x)) }, result: licenseView(ended) }
      }),
  )
  book.add(app, { method: 'DELETE', url: '/licenses/:arn/:product', tag: 'world', summary: 'Delete a license entry' }, async ({ params }) =>
    change((world) => {
      const l = grant(world, params.arn!, params.product!)
      if (!l) throw notFound(`license ${params.arn} for ${params.product}`)
      return {
        world: { ...world, licenses: world.licenses.filter((x) => x !== l) },
        result: { deleted: { arn: l.arn, product: l.product } },
      }
    }),
  )
}
