import type { Agreement, License, Offer, SigningIdentity, World, WorldLookup } from '../domain/world.js'

/**
 * Read access to the world, shaped by what the operations ask (the domain's WorldLookup).
 * Implementations may hold it in memory (a config file) or load it from the store.
 */
export type Catalog = WorldLookup

export function createMemoryCatalog(world: World): Catalog {
  const identities = new Map<string, SigningIdentity>()
  for (const account of world.accounts) {
    for (const credential of account.credentials) identities.set(credential.accessKeyId, { accountId: account.id, credential })
  }
  const products = new Map(world.products.map((p) => [p.code, p]))
  const customers = new Map(world.customers.map((c) => [c.identifier, c]))
  const byAccount = groupBy(world.customers, (c) => c.accountId)
  const byArn = groupBy(world.licenses, (l) => l.arn)
  // Nested maps: a lookup hashes the two strings it was given instead of building a third.
  const byGrant = new Map<string, Map<string, License[]>>()
  for (const [customer, licenses] of groupBy(world.licenses, (l) => l.customer))
    byGrant.set(
      customer,
      groupBy(licenses, (l) => l.product),
    )
  const agreements: Map<string, Agreement[]> = groupBy(world.agreements, (a) => a.product)
  const offers: Map<string, Offer[]> = groupBy(world.offers, (o) => o.product)
  return {
    findSigningIdentity: (key) => identities.get(key),
    findProduct: (code) => products.get(code),
    findCustomer: (id) => customers.get(id),
    customersOfAccount: (accountId) => byAccount.get(accountId) ?? [],
    licenseGrants: (arn) => byArn.get(arn) ?? [],
    grantsTo: (customer, product) => byGrant.get(customer)?.get(product) ?? [],
    agreementsFor: (product) => agreements.get(product) ?? [],
    offersFor: (product) => offers.get(product) ?? [],
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}
