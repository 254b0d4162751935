/**
 * The world meterd checks requests against: who can sign, what is sold, who bought it. Plain
 * data; the config file's schema (catalog/world.ts) produces exactly these types.
 */

export type Platform = 'ec2' | 'ecs' | 'eks' | 'fargate' | 'other'
export type ProductType = 'saas' | 'ami' | 'container'
/** Legacy integrations still get CustomerIdentifier from ResolveCustomer. */
export type Integration = 'legacy' | 'concurrent-agreements'
export type LicenseStatus = 'active' | 'ended' | 'suspended'

export interface Credential {
  accessKeyId: string
  secretAccessKey: string
  /** When set, requests must carry it as X-Amz-Security-Token. */
  sessionToken?: string
  /** The resource's Region (MeterUsage and RegisterUsage check the signing Region against it). */
  region: string
  /** Stands for the EC2 instance, ECS task or EKS pod MeterUsage/RegisterUsage calls come from. */
  resourceId?: string
  /** The platform the resource runs on; RegisterUsage accepts ecs, eks and fargate. */
  platform?: Platform
}

export interface Account {
  id: string
  name?: string
  credentials: Credential[]
}

/** A metering dimension, with an optional price per unit (USD) for billing estimates. */
export interface Dimension {
  name: string
  price?: number
}

export interface Product {
  code: string
  type: ProductType
  /** The publishing seller's account id. */
  seller: string
  dimensions: Dimension[]
  fulfillmentUrl?: string
  integration: Integration
}

export interface Customer {
  /** CustomerIdentifier */
  identifier: string
  /** CustomerAWSAccountId */
  accountId: string
}

/** One grant of a license: a LicenseArn carries one entry per product it grants. */
export interface License {
  arn: string
  customer: string
  product: string
  /** Epoch ms. */
  start: number
  /** Epoch ms; null or absent: open-ended. */
  end?: number | null
  status: LicenseStatus
}

export interface World {
  accounts: Account[]
  products: Product[]
  customers: Customer[]
  licenses: License[]
}

/** Who signed: the account a credential belongs to. */
export interface SigningIdentity {
  accountId: string
  credential: Credential
}

export const hasDimension = (product: Product, name: string): boolean => product.dimensions.some((d) => d.name === name)

/**
 * Read access to the world, shaped by what the rules ask. The catalog implements it over an
 * in-memory snapshot; rules and operations see only this.
 */
export interface WorldLookup {
  findSigningIdentity(accessKeyId: string): SigningIdentity | undefined
  findProduct(productCode: string): Product | undefined
  findCustomer(customerIdentifier: string): Customer | undefined
  customersOfAccount(accountId: string): readonly Customer[]
  /** Every grant (license entry per product) carrying this LicenseArn. */
  licenseGrants(licenseArn: string): readonly License[]
  /** Grants of `productCode` to the customer. */
  grantsTo(customerIdentifier: string, productCode: string): readonly License[]
}
