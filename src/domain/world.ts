/**
 * The world meterd checks requests against: who can sign, what is sold, who bought it. Plain
 * data; the config file's schema (catalog/world.ts) produces exactly these types.
 */

export type Platform = 'ec2' | 'ecs' | 'eks' | 'fargate' | 'other'
export type ProductType = 'saas' | 'ami' | 'container'
/** Legacy integrations still get CustomerIdentifier from ResolveCustomer. */
export type Integration = 'legacy' | 'concurrent-agreements'
export type LicenseStatus = 'active' | 'ended' | 'suspended'
/** How a product is sold: pay as you go (metered), a contract, or a contract with metered overage. */
export type PricingModel = 'usage' | 'contract' | 'contract-with-consumption'
export type ContractValueType = 'integer' | 'double' | 'boolean' | 'string'
/** One contract term's value, typed by its dimension (GetEntitlements' EntitlementValue). */
export type EntitlementValue = number | boolean | string

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

/** A dimension a contract grants a quantity or a value of (GetEntitlements reports it). */
export interface ContractDimension {
  name: string
  type: ContractValueType
}

export interface Product {
  code: string
  type: ProductType
  /** The publishing seller's account id. */
  seller: string
  pricing: PricingModel
  /** Metering dimensions (BatchMeterUsage / MeterUsage). */
  dimensions: Dimension[]
  /** Contract dimensions (contract and contract-with-consumption pricing). */
  contractDimensions: ContractDimension[]
  fulfillmentUrl?: string
  integration: Integration
  /** Which notifications AWS sends about the product's buyers: the SNS topics (SaaS only), EventBridge events, or both. */
  notifications: NotificationChannels
}

/** An offer a buyer accepts, creating an agreement: public, or private to some buyer accounts. */
export interface Offer {
  /** offer-... */
  id: string
  product: string
  visibility: 'public' | 'private'
  /** The accounts a private offer is extended to. */
  buyers: string[]
  /** A free trial of this many days before the paid term. */
  freeTrialDays?: number
  /** Contract term in months; absent: open-ended (pay as you go). */
  durationMonths?: number
  /** The contract renews itself at the end of its term. */
  autoRenew: boolean
  /** The contract terms the offer grants unless the buyer chooses others. */
  entitlements: Record<string, EntitlementValue>
}

/**
 * Where an agreement stands. `unsubscribe-pending`: ended (cancelled, expired or terminated, see
 * `endingAs`) but still inside the final-metering window; `payment-failed`: accepted but not paid.
 */
export type AgreementStatus =
  'payment-failed' | 'active' | 'unsubscribe-pending' | 'cancelled' | 'expired' | 'terminated' | 'renewed' | 'replaced'
export type AgreementIntent = 'new' | 'renew' | 'replace' | 'amend'

/** One version of an agreement: every change adds one, none is overwritten. */
export interface AgreementVersion {
  version: number
  intent: AgreementIntent
  status: AgreementStatus
  /** When this version took effect (epoch ms). */
  at: number
  /** The term: start, and end (null: open-ended). */
  start: number
  end: number | null
  /** The free trial runs until this instant; then it converts (`trialConverts`) or the agreement ends. */
  freeTrialEnd?: number | null
  trialConverts?: boolean
  autoRenew: boolean
  entitlements: Record<string, EntitlementValue>
  /** While `unsubscribe-pending`: the status the agreement ends with once the final-metering window closes. */
  endingAs?: 'cancelled' | 'expired' | 'terminated'
}

/** A buyer's acceptance of an offer (agmt-...), with the license it created and its history. */
export interface Agreement {
  id: string
  product: string
  offer?: string
  /** The buyer's (acceptor's) account. */
  accountId: string
  /** The customer (CustomerIdentifier) the agreement bills. */
  customer: string
  licenseArn: string
  acceptedAt: number
  /** Oldest first; the last is the agreement as it stands. */
  versions: AgreementVersion[]
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

export type NotificationChannels = 'sns' | 'eventbridge' | 'both'
/** The two SNS topics AWS Marketplace publishes per SaaS product. */
export type SnsTopic = 'subscription' | 'entitlement'

/** The seller-side EventBridge detail types meterd sends (direct offers: the seller is proposer and manufacturer). */
export const EVENTBRIDGE_DETAIL_TYPES = [
  'Purchase Agreement Created - Proposer',
  'Purchase Agreement Amended - Proposer',
  'Purchase Agreement Ended - Proposer',
  'License Updated - Manufacturer',
  'License Deprovisioned - Manufacturer',
] as const
export type EventBridgeDetailType = (typeof EVENTBRIDGE_DETAIL_TYPES)[number]

/** When a delivery fails: how often to try in all, and the waits between tries (SNS's delivery policy). */
export interface RetryPolicy {
  attempts: number
  minDelayMs: number
  maxDelayMs: number
  backoff: 'linear' | 'exponential'
}

/** Keys for an AWS API (SQS, EventBridge); absent: the AWS SDK's default chain (environment, profile, role). */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

interface TargetBase {
  /** The seller's name for it (letters, digits, - and _). */
  id: string
  /** Overrides the default retry policy of the target's type. */
  retry?: RetryPolicy
}

/** A subscription to one SNS topic: the product's subscription or entitlement topic. */
interface SnsTargetBase extends TargetBase {
  product: string
  topic: SnsTopic
  /** 1: SHA1withRSA (Marketplace's topics), 2: SHA256withRSA. */
  signatureVersion: '1' | '2'
  /** Deliver only the Message, not the signed envelope. */
  rawMessageDelivery: boolean
}

/** An HTTP/HTTPS endpoint subscribed to an SNS topic: confirmed through SubscribeURL before anything else is sent. */
export interface SnsHttpTarget extends SnsTargetBase {
  type: 'sns-http'
  url: string
}

/** An SQS queue subscribed to an SNS topic (the usual seller setup), sent to through the SQS API. */
export interface SnsSqsTarget extends SnsTargetBase {
  type: 'sns-sqs'
  queueUrl: string
  /** The SQS API endpoint (LocalStack, moto); absent: AWS's for the queue's region. */
  endpoint?: string
  region: string
  credentials?: AwsCredentials
}

interface EventTargetBase extends TargetBase {
  /** Only events of these products; absent: every product. */
  products?: string[]
  /** The events' source; AWS's is aws.agreement-marketplace (AWS itself refuses PutEvents with an aws. source). */
  source: string
  /** Only these detail types (an EventBridge rule's pattern); absent: every one. */
  detailTypes?: EventBridgeDetailType[]
}

/** An EventBridge event bus, sent to with PutEvents (rules on it route the events on, e.g. to SQS). */
export interface EventBridgeTarget extends EventTargetBase {
  type: 'eventbridge'
  eventBusName: string
  endpoint?: string
  region: string
  credentials?: AwsCredentials
}

/** An API-destination-style webhook: each event POSTed as JSON, with the configured headers (e.g. a shared secret). */
export interface WebhookTarget extends EventTargetBase {
  type: 'webhook'
  url: string
  headers: Record<string, string>
}

/** Where the seller receives notifications: an SNS subscription or an EventBridge target. */
export type NotificationTarget = SnsHttpTarget | SnsSqsTarget | EventBridgeTarget | WebhookTarget

export interface World {
  accounts: Account[]
  products: Product[]
  customers: Customer[]
  licenses: License[]
  offers: Offer[]
  agreements: Agreement[]
  notifications: NotificationTarget[]
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
  /** Every agreement for the product, in the world's order. */
  agreementsFor(productCode: string): readonly Agreement[]
  /** The product's offers, in the world's order. */
  offersFor(productCode: string): readonly Offer[]
}

const INT32_MAX = 2147483647

/** Why `value` is not a value of `type` (GetEntitlements' IntegerValue is a 32-bit integer), or undefined. */
export function valueTypeProblem(type: ContractValueType, value: EntitlementValue): string | undefined {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT32_MAX
        ? undefined
        : `must be an integer (32-bit), got ${JSON.stringify(value)}`
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a number, got ${JSON.stringify(value)}`
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(value)}`
    case 'string':
      return typeof value === 'string' && value.length > 0 ? undefined : `must be a non-empty string, got ${JSON.stringify(value)}`
  }
}
