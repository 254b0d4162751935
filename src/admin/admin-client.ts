import type { Account, Agreement, AgreementVersion, Customer, License, NotificationTarget, Offer, Product } from '../domain/world.js'
import type { AuditView, RecordView } from './views.js'

/**
 * A typed client of meterd's admin API, for the CLI and for sellers' test suites.
 *
 * @example
 *   const admin = new AdminClient({ url: 'http://127.0.0.1:6387', token })
 *   const { registrationToken } = await admin.subscribe({ productCode: 'demo-saas', accountId: '333333333333' })
 */
export class AdminClient {
  readonly #url: string
  readonly #token: string

  constructor(options: { url: string; token: string }) {
    this.#url = options.url.replace(/\/+$/, '')
    this.#token = options.token
  }

  subscribe(body: SubscribeRequest) {
    return this.request<SubscribeResponse>('POST', '/subscriptions', body)
  }

  unsubscribe(body: { productCode: string; accountId: string }) {
    return this.request<{
      productCode: string
      accountId: string
      agreement: AgreementView
      endedLicenses: { licenseArn: string; end: string }[]
    }>('POST', '/unsubscribe', body)
  }

  // Agreements and the lifecycle events they cause
  listAgreements(query: Query = {}) {
    return this.request<{ agreements: AgreementView[] }>('GET', `/agreements${qs(query)}`)
  }
  agreement(id: string) {
    return this.request<AgreementView>('GET', `/agreements/${encodeURIComponent(id)}`)
  }
  amendAgreement(id: string, entitlements: Record<string, number | boolean | string>) {
    return this.request<AgreementView>('POST', `/agreements/${encodeURIComponent(id)}/amend`, { entitlements })
  }
  renewAgreement(id: string) {
    return this.request<AgreementView>('POST', `/agreements/${encodeURIComponent(id)}/renew`)
  }
  cancelAgreement(id: string) {
    return this.request<AgreementView>('POST', `/agreements/${encodeURIComponent(id)}/cancel`)
  }
  expireAgreement(id: string) {
    return this.request<AgreementView>('POST', `/agreements/${encodeURIComponent(id)}/expire`)
  }
  listEvents(query: Query = {}) {
    return this.request<{ events: LifecycleEventView[]; nextCursor: string | null }>('GET', `/events${qs(query)}`)
  }

  /** A well-formed test event, sent to the notification targets; the world does not change. */
  triggerEvent(body: { type: string; productCode: string; accountId: string; freeTrial?: boolean }) {
    return this.request<LifecycleEventView>('POST', '/events/trigger', body)
  }

  // Notifications
  listNotifications() {
    return this.request<{ notifications: NotificationTargetView[] }>('GET', '/notifications')
  }

  addNotification(target: Record<string, unknown>) {
    return this.request<Record<string, unknown>>('POST', '/notifications', target)
  }

  confirmNotification(id: string) {
    return this.request<SubscriptionStateView>('POST', `/notifications/${encodeURIComponent(id)}/confirm`)
  }

  notificationCertificate() {
    return this.request<{ signingCertUrl: string; fileName: string; pem: string }>('GET', '/notification-certificate')
  }

  listDeliveries(query: Query = {}) {
    return this.request<{ deliveries: DeliveryView[]; nextCursor: string | null }>('GET', `/deliveries${qs(query)}`)
  }

  delivery(id: string) {
    return this.request<DeliveryView & { headers: Record<string, string>; body: string }>('GET', `/deliveries/${encodeURIComponent(id)}`)
  }

  retryDelivery(id: string) {
    return this.request<DeliveryView>('POST', `/deliveries/${encodeURIComponent(id)}/retry`)
  }

  listKeys() {
    return this.request<{ keys: KeyView[] }>('GET', '/keys')
  }

  rotateKeys() {
    return this.request<{ keys: KeyView[] }>('POST', '/keys/rotate')
  }

  // The world
  exportWorld() {
    return this.request<WorldDocument>('GET', '/world')
  }
  importWorld(world: unknown) {
    return this.request<WorldDocument>('PUT', '/world', world)
  }
  list(collection: WorldCollection) {
    return this.request<Record<string, unknown[]>>('GET', `/${collection}`)
  }
  get(collection: WorldCollection, key: string) {
    return this.request<Record<string, unknown>>('GET', `/${collection}/${encodeURIComponent(key)}`)
  }
  create(collection: WorldCollection, item: unknown) {
    return this.request<Record<string, unknown>>('POST', `/${collection}`, item)
  }
  put(collection: Exclude<WorldCollection, 'licenses'>, key: string, item: unknown) {
    return this.request<Record<string, unknown>>('PUT', `/${collection}/${encodeURIComponent(key)}`, item)
  }
  remove(collection: Exclude<WorldCollection, 'licenses'>, key: string) {
    return this.request<{ deleted: string }>('DELETE', `/${collection}/${encodeURIComponent(key)}`)
  }
  endLicense(arn: string, product: string, at?: string) {
    return this.request<Record<string, unknown>>(
      'POST',
      `/licenses/${encodeURIComponent(arn)}/${encodeURIComponent(product)}/end`,
      at ? { at } : {},
    )
  }

  // The ledger and the audit trail
  listRecords(query: Query = {}) {
    return this.request<{ records: RecordView[]; nextCursor: string | null }>('GET', `/records${qs(query)}`)
  }
  usage(query: Query = {}) {
    return this.request<UsageView>('GET', `/usage${qs(query)}`)
  }
  listAudit(query: Query = {}) {
    return this.request<{ events: AuditView[]; nextCursor: string | null; retentionDays: number }>('GET', `/audit${qs(query)}`)
  }
  /** What a dashboard shows at a glance (see OverviewView). */
  overview(query: { timeZone?: string; minutes?: number; recent?: number } = {}) {
    return this.request<OverviewView>('GET', `/overview${qs(query)}`)
  }
  /** A streamed export (CSV or NDJSON) of records or audit events. */
  async export(what: 'records' | 'audit', query: Query & { format?: 'csv' | 'ndjson' } = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await this.fetch('GET', `/${what}/export${qs(query)}`)
    if (!response.ok || !response.body) await this.fail(response)
    return response.body!
  }

  // Controls
  clock() {
    return this.request<ClockView>('GET', '/clock')
  }
  freezeClock(at?: string) {
    return this.request<ClockView>('POST', '/clock/freeze', at ? { at } : {})
  }
  setClock(at: string) {
    return this.request<ClockView>('POST', '/clock/set', { at })
  }
  advanceClock(by: string | number) {
    return this.request<ClockView>('POST', '/clock/advance', { by })
  }
  resumeClock() {
    return this.request<ClockView>('POST', '/clock/resume')
  }
  resetClock() {
    return this.request<ClockView>('POST', '/clock/reset')
  }
  listFaults() {
    return this.request<{ rules: FaultRuleView[] }>('GET', '/faults')
  }
  addFault(rule: Record<string, unknown>) {
    return this.request<FaultRuleView>('POST', '/faults', rule)
  }
  removeFault(id: string) {
    return this.request<{ removed: string }>('DELETE', `/faults/${encodeURIComponent(id)}`)
  }
  clearFaults() {
    return this.request<{ removed: number }>('DELETE', '/faults')
  }
  quotas() {
    return this.request<QuotaView>('GET', '/quotas')
  }
  setQuotas(settings: QuotaView) {
    return this.request<QuotaView>('PUT', '/quotas', settings)
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(method, path, body)
    if (!response.ok) await this.fail(response)
    const text = await response.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  private async fetch(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.#url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (error) {
      throw new AdminRequestError(
        0,
        'Unreachable',
        `cannot reach meterd at ${this.#url}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`,
      )
    }
  }

  private async fail(response: Response): Promise<never> {
    const text = await response.text()
    let json: { error?: string; message?: string } | undefined
    try {
      json = text ? (JSON.parse(text) as { error?: string; message?: string }) : undefined
    } catch {
      json = undefined
    }
    throw new AdminRequestError(response.status, json?.error ?? 'Error', json?.message ?? text)
  }
}

export type { AuditView, RecordView } from './views.js'
export type { Account, Customer, Product } from '../domain/world.js'
/** A license entry as the admin API shows it: instants as ISO-8601. */
export type LicenseView = Omit<License, 'start' | 'end'> & { start: string; end: string | null }
/** The whole world in the config-file format. */
export interface WorldDocument {
  accounts: Account[]
  products: Product[]
  customers: Customer[]
  licenses: LicenseView[]
  offers: Offer[]
  agreements: AgreementDocument[]
  notifications: Record<string, unknown>[]
}
/** An agreement in the config-file format: instants as ISO-8601. */
export type AgreementDocument = Omit<Agreement, 'acceptedAt' | 'versions'> & {
  acceptedAt: string
  versions: (Omit<AgreementVersion, 'at' | 'start' | 'end' | 'freeTrialEnd'> & {
    at: string
    start: string
    end: string | null
    freeTrialEnd?: string | null
  })[]
}
export type WorldCollection = 'accounts' | 'products' | 'customers' | 'offers' | 'licenses' | 'notifications'
export type Query = Record<string, string | number | boolean | undefined>
export interface ClockView {
  mode: 'real' | 'offset' | 'frozen'
  now: string
  nowMs: number
  offsetMs: number
}
export interface QuotaView {
  enabled: boolean
  rates: Partial<Record<'BatchMeterUsage' | 'MeterUsage' | 'RegisterUsage' | 'ResolveCustomer' | 'GetEntitlements', number>>
}

const qs = (query: Query) => {
  const entries = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]): [string, string] => [k, String(v)])
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : ''
}

export class AdminRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface KeyView {
  version: number
  createdAt: string
  expiresAt: string | null
  publicKeyPem: string
}

export interface SubscribeRequest {
  productCode: string
  accountId: string
  /** The offer accepted (default: the product's first public offer). */
  offerId?: string
  freeTrial?: boolean
  /** A trial converts to the paid term when it ends (default true). */
  trialConverts?: boolean
  /** Contract terms over the offer's, e.g. { admin_seats: 10, tier: 'gold' }. */
  contract?: Record<string, number | boolean | string>
  months?: number
  /** The payment fails: subscribe-fail, and the agreement waits in payment-failed. */
  paymentFails?: boolean
  /** Post the token to the product's fulfillment URL (default true). */
  deliver?: boolean
}

export interface AgreementVersionView {
  version: number
  intent: 'new' | 'renew' | 'replace' | 'amend'
  status: string
  at: string
  start: string
  end: string | null
  freeTrialEnd: string | null
  trialConverts: boolean | null
  autoRenew: boolean
  entitlements: Record<string, number | boolean | string>
  endingAs: string | null
}

export interface AgreementView extends Omit<AgreementVersionView, 'at'> {
  agreementId: string
  productCode: string
  offerId: string | null
  accountId: string
  customerIdentifier: string
  licenseArn: string
  acceptedAt: string
  versions?: AgreementVersionView[]
}

export interface LifecycleEventView {
  type: string
  at: string
  productCode: string
  sellerAccountId: string
  accountId: string
  customerIdentifier: string
  offerId: string | null
  agreementId: string | null
  licenseArn: string | null
  freeTrial: boolean
  intent: string | null
  status: string | null
  start: string | null
  end: string | null
  acceptedAt: string | null
  previousAgreementId: string | null
  worldVersion: number
  position: number
  /** Sent by `events trigger`: nothing in the world changed. */
  triggered?: boolean
  /** Where its notifications went (GET /events). */
  deliveries?: DeliveryView[]
}

export interface DeliveryView {
  deliveryId: string
  target: string
  kind: 'notification' | 'event' | 'subscription-confirmation' | 'unsubscribe-confirmation'
  event: { worldVersion: number; position: number; type: string } | null
  messageId: string
  status: 'pending' | 'delivered' | 'failed'
  due: string
  attempts: number
  nextAttemptAt: string | null
  lastStatusCode: number | null
  lastError: string | null
  deliveredAt: string | null
  createdAt: string
  attemptLog?: { attempt: number; at: string; durationMs: number; statusCode: number | null; error: string | null }[]
}

export interface SubscriptionStateView {
  status: 'pending-confirmation' | 'confirmed' | 'unsubscribed' | 'opening'
  subscriptionArn: string | null
  since: string | null
}

/** A notification target of the world, with the state of its subscription. */
export type NotificationTargetView = NotificationTarget & { subscription: SubscriptionStateView }

export interface SubscribeResponse {
  productCode: string
  accountId: string
  customerIdentifier: string
  licenseArn: string
  agreementId: string
  offerId: string | null
  status: string
  createdAgreement: boolean
  createdCustomer: boolean
  createdLicense: boolean
  offerType: 'free-trial' | null
  registrationToken: string
  tokenExpiresAt: string
  fulfillment: { url: string; status?: number; location?: string; error?: string } | null
}

export interface UsageRowView {
  productCode: string
  customer: string
  dimension: string
  tagValue?: string
  /** `2026-11-22T13:00`, `2026-11-22` or `2026-11` in the asked time zone. */
  window: string
  quantity: number
  records: number
  unitPrice?: number
  amount?: number
}

export interface UsageView {
  window: 'hour' | 'day' | 'month'
  timeZone: string
  byTagKey?: string
  rows: UsageRowView[]
  estimatedAmount: number
}

export interface FaultRuleView {
  id: string
  operation: string
  productCode?: string
  accountId?: string
  error?: 'ThrottlingException' | 'InternalServiceErrorException'
  unprocessedShare?: number
  latencyMs?: number
  probability?: number
  times?: number
  forSeconds?: number
  createdAt: string
  remaining?: number
  expiresAt?: string
}

export interface OverviewView {
  /** The AWS endpoint. */
  endpoint: string
  clock: ClockView
  world: { accounts: number; products: number; customers: number; licenses: number; activeLicenses: number }
  /** AWS calls per minute (real time) by operation and outcome (`Success` or the error code). */
  calls: {
    from: string
    to: string
    minutes: number
    total: number
    failed: number
    perMinute: { minute: string; operation: string; outcome: string; calls: number }[]
  }
  /** Records whose usage time is today (metering clock, in `timeZone`), by status. */
  today: { timeZone: string; from: string; accepted: number; byStatus: { status: string; records: number; quantity: number }[] }
  faults: FaultRuleView[]
  quotas: QuotaView
  recentRefused: AuditView[]
  auditRetentionDays: number
}
