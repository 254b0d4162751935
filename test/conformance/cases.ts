import { amiDimension, CONTRACT_END, CONTRACT_TERMS, type Cred, saasDimension, type Slice } from './world.js'

/**
 * The conformance cases, written once and run by every client: a case is a few steps (AWS member
 * names, timestamps as {$ts: epoch ms}) and what the client must make of meterd's answer. Which
 * cases a client gets, and what it is expected to do, follows from that client's own service model
 * (an older model cannot send a newer member: the client refuses before sending).
 */
export const OPERATIONS = ['BatchMeterUsage', 'MeterUsage', 'RegisterUsage', 'ResolveCustomer', 'GetEntitlements'] as const
export type OpName = (typeof OPERATIONS)[number]

/** The two services: Marketplace Metering, and the Entitlement Service (GetEntitlements). */
export type ServiceName = 'metering' | 'entitlement'
export const serviceOf = (op: OpName): ServiceName => (op === 'GetEntitlements' ? 'entitlement' : 'metering')

export type ClientId = 'js' | 'boto3' | 'boto3-standard' | 'boto3-cbor' | 'cli-v1' | 'cli-v2' | 'openapi'
export type Family = 'js' | 'boto3' | 'cli' | 'openapi'

/** What a client's service model holds (botocore's JSON model, or the latest one for the JS SDK). */
export interface ModelInfo {
  version: string
  errors: Record<string, string[]>
  shapes: Record<string, { members: string[]; required: string[] }>
}

/** Date (JS), datetime (boto3), the epoch number as received (CLI v1), ISO-8601 text (CLI v2), the raw JSON number (fetch). */
export type TimestampForm = 'Date' | 'datetime' | 'epoch' | 'iso' | 'json'

export interface RetryPolicy {
  mode: 'legacy' | 'standard'
  /** Attempts in all, the first one included. */
  maxAttempts: number
}

export type SuccessCheck =
  | { op: 'MeterUsage' }
  | { op: 'BatchMeterUsage'; records: { timestampMs: number; status: string; echo: Record<string, unknown> }[] }
  | { op: 'RegisterUsage'; rotationTimestampMs?: number }
  | { op: 'ResolveCustomer'; expected: Record<string, string>; absent?: string[] }
  | {
      op: 'GetEntitlements'
      /** Every entitlement, in order; ExpirationDate as epoch ms, checked as the client parses it. */
      entitlements: (Record<string, unknown> & { ExpirationMs: number })[]
      /** Members this client's model lacks, so the client drops them. */
      absent?: string[]
    }

export type Expect =
  | { kind: 'success'; check: SuccessCheck }
  | { kind: 'error'; code: string; modeled: boolean }
  /** The client's model lacks what the step sends: it must refuse before sending. */
  | { kind: 'client-side'; reason: string }
  /** The client does not support the endpoint configuration used: the request aims at AWS. */
  | { kind: 'ignored'; reason: string }

export interface Step {
  op: OpName
  params: Record<string, unknown>
  /** Call through the client's own paginator with this page size (all pages, merged). */
  paginate?: number
  cred: Cred
  region: string
  expect: Expect
}

export interface Case {
  /** Unique in the run; also the user-agent marker meterd's audit trail is searched for. */
  id: string
  client: ClientId
  operation: OpName
  name: string
  steps: Step[]
  /** How the client is pointed at meterd: its endpoint option, or AWS_ENDPOINT_URL_MARKETPLACE_METERING. */
  endpoint: 'arg' | 'env'
  /** Overrides the client's retry attempts (1 = retries off). */
  maxAttempts?: number
  /** Fault rules (admin API) in force during the case, scoped to this client's accounts. */
  faults?: Record<string, unknown>[]
  /** Requests meterd must have seen for this case (all steps, retries included). */
  expectedAttempts: number
}

/** What a driver reports per step. Timestamps in outputs are {$dt: epoch seconds, via: how the client gave it}. */
export type Outcome =
  | { kind: 'success'; output: any; clientAttempts?: number }
  | {
      kind: 'error'
      code: string
      via: string
      status?: number
      fault?: string
      exitCode?: number
      operation?: string
      header?: string
      message?: string
      clientAttempts?: number
    }
  | { kind: 'client-side'; via: string; message: string; exitCode?: number }
  | { kind: 'ignored'; target: string; exitCode?: number }
  | { kind: 'exception'; via: string; message: string; exitCode?: number }

export interface ClientInfo {
  id: ClientId
  family: Family
  label: string
  /** Where the client comes from and its version, as detected. */
  version: string
  /** Why the client cannot run here (undefined when it can). */
  missing?: string
  model: ModelInfo
  retry: RetryPolicy
  /** Whether this client version reads AWS_ENDPOINT_URL_<SERVICE> (documented support). */
  envEndpoint: { supported: boolean; note: string }
  /** How the client hands out a timestamp of a response. */
  timestampForm: TimestampForm
  /** CLIs: exit codes for a service error and for a request refused client-side. */
  exit?: { serviceError: number; clientSide: number }
}

export interface CaseContext {
  slice: Slice
  /** A recent instant with a millisecond fraction: the timestamp the cases report usage at. */
  atMs: number
  validToken: { token: string; licenseArn: string; customerIdentifier: string }
  expiredToken: string
  /** When key version 1 expired (the suite rotates the keys before the run). */
  rotatedAtMs: number
}

/** HTTP statuses of the errors the cases provoke (Smithy's defaults: 400 client, 500 server, 409 as modeled; plus meterd's DryRun choice). */
export const STATUS: Record<string, number> = {
  InternalServiceErrorException: 500,
  IdempotencyConflictException: 409,
  DryRunOperation: 412,
}
export const statusOf = (code: string) => STATUS[code] ?? 400
export const faultOf = (code: string): 'client' | 'server' => (code === 'InternalServiceErrorException' ? 'server' : 'client')

const HOUR = 3_600_000
const withoutUndefined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
export const ts = (ms: number) => ({ $ts: ms })

/** A member a step needs from the client's model, e.g. 'UsageRecord.LicenseArn' or '!UsageRecord.CustomerIdentifier' (= optional). */
type Need = string

function missingNeed(model: ModelInfo, needs: readonly Need[]): string | undefined {
  const reasons: string[] = []
  for (const need of needs) {
    const optional = need.startsWith('!')
    const [shape, member] = need.replace(/^!/, '').split('.') as [string, string]
    const info = model.shapes[shape]
    if (!optional && !info?.members.includes(member)) reasons.push(`no ${shape}.${member}`)
    if (optional && info?.required.includes(member)) reasons.push(`${shape}.${member} required`)
  }
  return reasons.length ? `this model: ${reasons.join(', ')}` : undefined
}

/** Every case for one SigV4 client: each operation × success and each modeled error meterd can produce, plus retries. */
export function buildCases(client: ClientInfo, ctx: CaseContext): Case[] {
  const { slice: s, atMs } = ctx
  const cases: Case[] = []
  let saasSlot = 0
  let amiSlot = 0
  const tag = client.id.replace(/[^a-z0-9]/g, '')
  const add = (
    c: Omit<Case, 'id' | 'client' | 'endpoint' | 'expectedAttempts'> & {
      endpoint?: 'arg' | 'env'
      needs?: Need[]
      expectedAttempts?: number
    },
  ) => {
    const id = `${tag}-${String(cases.length + 1).padStart(2, '0')}`
    const missing = c.needs ? missingNeed(client.model, c.needs) : undefined
    const steps = missing ? [{ ...c.steps.at(-1)!, expect: { kind: 'client-side' as const, reason: missing } }] : c.steps
    const { needs: _needs, ...rest } = c
    cases.push({
      endpoint: 'arg',
      ...rest,
      id,
      client: client.id,
      steps,
      expectedAttempts: missing ? 0 : (c.expectedAttempts ?? steps.length),
    })
  }
  const modeled = (op: OpName, code: string) => client.model.errors[op]?.includes(code) ?? false
  const error = (op: OpName, code: string): Expect => ({ kind: 'error', code, modeled: modeled(op, code) })

  // BatchMeterUsage: the seller, for its SaaS product
  const record = (over: Record<string, unknown> = {}) =>
    withoutUndefined({
      Timestamp: ts(atMs),
      CustomerIdentifier: s.customer,
      Dimension: saasDimension(++saasSlot),
      Quantity: 3,
      ...over,
    })
  const batch = (params: Record<string, unknown>, expect: Expect, region = 'us-east-1'): Step => ({
    op: 'BatchMeterUsage',
    params,
    cred: s.seller,
    region,
    expect,
  })
  const batchError = (name: string, over: Record<string, unknown>, params: Record<string, unknown> = {}, needs?: Need[], region?: string) =>
    add({
      operation: 'BatchMeterUsage',
      name,
      needs,
      steps: [batch({ ProductCode: s.saas, UsageRecords: [record(over)], ...params }, error('BatchMeterUsage', name), region)],
    })
  const batchSuccess = (r: Record<string, unknown>) => ({
    kind: 'success' as const,
    check: {
      op: 'BatchMeterUsage' as const,
      records: [
        {
          timestampMs: (r.Timestamp as { $ts: number }).$ts,
          status: 'Success',
          echo: Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'Timestamp')),
        },
      ],
    },
  })
  {
    const r = record()
    add({
      operation: 'BatchMeterUsage',
      name: 'success (ProductCode + CustomerIdentifier)',
      steps: [batch({ ProductCode: s.saas, UsageRecords: [r] }, batchSuccess(r))],
    })
  }
  {
    const r = {
      Timestamp: ts(atMs),
      CustomerAWSAccountId: s.buyerAccount,
      LicenseArn: s.licenseArn,
      Dimension: saasDimension(++saasSlot),
      Quantity: 2,
    }
    add({
      operation: 'BatchMeterUsage',
      name: 'success (CustomerAWSAccountId + LicenseArn, no ProductCode)',
      needs: ['UsageRecord.CustomerAWSAccountId', 'UsageRecord.LicenseArn', '!BatchMeterUsageRequest.ProductCode'],
      steps: [batch({ UsageRecords: [r] }, batchSuccess(r))],
    })
  }
  batchError('InvalidProductCodeException', {}, { ProductCode: 'conf-no-such-product' })
  batchError('InvalidUsageDimensionException', { Dimension: 'no-such-dimension' })
  batchError('InvalidTagException', {
    UsageAllocations: [
      {
        AllocatedUsageQuantity: 3,
        Tags: [
          { Key: 'team', Value: 'a' },
          { Key: 'team', Value: 'b' },
        ],
      },
    ],
  })
  batchError('InvalidUsageAllocationsException', { UsageAllocations: [{ AllocatedUsageQuantity: 2, Tags: [{ Key: 'team', Value: 'a' }] }] })
  batchError('InvalidCustomerIdentifierException', { CustomerIdentifier: undefined }, {}, ['!UsageRecord.CustomerIdentifier'])
  batchError('TimestampOutOfBoundsException', { Timestamp: ts(atMs - 25 * HOUR) })
  batchError('DisabledApiException', {}, {}, undefined, 'ap-southeast-5')
  add({
    operation: 'BatchMeterUsage',
    name: 'InvalidLicenseException',
    needs: ['UsageRecord.CustomerAWSAccountId', 'UsageRecord.LicenseArn', '!BatchMeterUsageRequest.ProductCode'],
    steps: [
      batch(
        {
          UsageRecords: [
            {
              Timestamp: ts(atMs),
              CustomerAWSAccountId: s.buyerAccount,
              LicenseArn: `arn:aws:license-manager::${s.buyerAccount}:license/l-conf0000unknown`,
              Dimension: saasDimension(++saasSlot),
              Quantity: 1,
            },
          ],
        },
        error('BatchMeterUsage', 'InvalidLicenseException'),
      ),
    ],
  })

  // MeterUsage: the buyer's ECS task, for the AMI product
  const meterParams = (over: Record<string, unknown> = {}) => ({
    ProductCode: s.ami,
    Timestamp: ts(atMs),
    UsageDimension: amiDimension(++amiSlot),
    UsageQuantity: 1,
    ...over,
  })
  const meter = (params: Record<string, unknown>, expect: Expect, cred = s.buyer, region = 'us-east-1'): Step => ({
    op: 'MeterUsage',
    params,
    cred,
    region,
    expect,
  })
  const meterOk: Expect = { kind: 'success', check: { op: 'MeterUsage' } }
  const meterError = (name: string, over: Record<string, unknown>, cred?: Cred, region?: string) =>
    add({ operation: 'MeterUsage', name, steps: [meter(meterParams(over), error('MeterUsage', name), cred, region)] })
  add({ operation: 'MeterUsage', name: 'success', steps: [meter(meterParams(), meterOk)] })
  meterError('InvalidProductCodeException', { ProductCode: 'conf-no-such-product' })
  meterError('InvalidUsageDimensionException', { UsageDimension: 'no-such-dimension' })
  meterError('InvalidTagException', {
    UsageAllocations: [
      {
        AllocatedUsageQuantity: 1,
        Tags: [
          { Key: 'team', Value: 'a' },
          { Key: 'team', Value: 'b' },
        ],
      },
    ],
  })
  meterError('InvalidUsageAllocationsException', { UsageQuantity: 5, UsageAllocations: [{ AllocatedUsageQuantity: 4 }] })
  meterError('InvalidEndpointRegionException', {}, s.buyer, 'eu-west-1')
  meterError('TimestampOutOfBoundsException', { Timestamp: ts(atMs - 7 * HOUR) })
  {
    const first = meterParams({ UsageQuantity: 1 })
    add({
      operation: 'MeterUsage',
      name: 'DuplicateRequestException',
      steps: [meter(first, meterOk), meter({ ...first, UsageQuantity: 2 }, error('MeterUsage', 'DuplicateRequestException'))],
    })
  }
  {
    const first = meterParams({ UsageQuantity: 1, ClientToken: `conf-token-${tag}` })
    add({
      operation: 'MeterUsage',
      name: 'IdempotencyConflictException',
      needs: ['MeterUsageRequest.ClientToken'],
      steps: [meter(first, meterOk), meter({ ...first, UsageQuantity: 2 }, error('MeterUsage', 'IdempotencyConflictException'))],
    })
  }
  meterError('CustomerNotEntitledException', {}, s.stranger)
  // Not modeled: the client must surface them as its generic service error.
  add({
    operation: 'MeterUsage',
    name: 'ValidationException (not modeled; ProductCode breaks its pattern)',
    steps: [meter(meterParams({ ProductCode: 'not a product code!' }), error('MeterUsage', 'ValidationException'))],
  })
  // botocore checks required members before sending; the JS SDK does not, so meterd refuses it.
  add({
    operation: 'MeterUsage',
    name: 'required UsageAllocations[0].AllocatedUsageQuantity left out',
    steps: [
      meter(
        meterParams({ UsageAllocations: [{ Tags: [{ Key: 'team', Value: 'a' }] }] }),
        client.family === 'js'
          ? error('MeterUsage', 'ValidationException')
          : { kind: 'client-side', reason: 'botocore checks required members' },
      ),
    ],
    ...(client.family === 'js' ? {} : { expectedAttempts: 0 }),
  })
  add({
    operation: 'MeterUsage',
    name: 'DryRunOperation (not modeled)',
    steps: [meter(meterParams({ DryRun: true }), error('MeterUsage', 'DryRunOperation'))],
  })
  add({
    operation: 'MeterUsage',
    name: 'success, endpoint from AWS_ENDPOINT_URL_MARKETPLACE_METERING',
    endpoint: 'env',
    maxAttempts: 1,
    steps: [meter(meterParams(), client.envEndpoint.supported ? meterOk : { kind: 'ignored', reason: client.envEndpoint.note })],
    ...(client.envEndpoint.supported ? {} : { expectedAttempts: 0 }),
  })

  // RegisterUsage: the buyer's ECS task, for the container product
  const register = (over: Record<string, unknown>, expect: Expect, cred = s.buyer, region = 'us-east-1'): Step => ({
    op: 'RegisterUsage',
    params: { ProductCode: s.container, PublicKeyVersion: 2, Nonce: `nonce-${tag}`, ...over },
    cred,
    region,
    expect,
  })
  const registerError = (name: string, over: Record<string, unknown>, cred?: Cred, region?: string) =>
    add({ operation: 'RegisterUsage', name, steps: [register(over, error('RegisterUsage', name), cred, region)] })
  add({
    operation: 'RegisterUsage',
    name: 'success (current key, version 2)',
    steps: [register({}, { kind: 'success', check: { op: 'RegisterUsage' } })],
  })
  add({
    operation: 'RegisterUsage',
    name: 'success with PublicKeyRotationTimestamp (expired key, version 1)',
    steps: [register({ PublicKeyVersion: 1 }, { kind: 'success', check: { op: 'RegisterUsage', rotationTimestampMs: ctx.rotatedAtMs } })],
  })
  registerError('InvalidProductCodeException', { ProductCode: s.ami })
  registerError('InvalidRegionException', {}, s.buyer, 'eu-west-1')
  registerError('InvalidPublicKeyVersionException', { PublicKeyVersion: 99 })
  registerError('PlatformNotSupportedException', {}, s.ec2)
  registerError('CustomerNotEntitledException', {}, s.stranger)

  // ResolveCustomer: the seller, with a token from a subscription
  const resolve = (token: string, expect: Expect): Step => ({
    op: 'ResolveCustomer',
    params: { RegistrationToken: token },
    cred: s.seller,
    region: 'us-east-1',
    expect,
  })
  const hasLicenseArn = client.model.shapes.ResolveCustomerResult?.members.includes('LicenseArn') ?? false
  add({
    operation: 'ResolveCustomer',
    name: hasLicenseArn ? 'success' : 'success (this model has no LicenseArn: the client drops it)',
    steps: [
      resolve(ctx.validToken.token, {
        kind: 'success',
        check: {
          op: 'ResolveCustomer',
          expected: {
            CustomerAWSAccountId: s.buyerAccount,
            ProductCode: s.saas,
            CustomerIdentifier: ctx.validToken.customerIdentifier,
            ...(hasLicenseArn ? { LicenseArn: ctx.validToken.licenseArn } : {}),
          },
          ...(hasLicenseArn ? {} : { absent: ['LicenseArn'] }),
        },
      }),
    ],
  })
  add({
    operation: 'ResolveCustomer',
    name: 'InvalidTokenException',
    steps: [resolve('not-a-registration-token', error('ResolveCustomer', 'InvalidTokenException'))],
  })
  add({
    operation: 'ResolveCustomer',
    name: 'ExpiredTokenException',
    steps: [resolve(ctx.expiredToken, error('ResolveCustomer', 'ExpiredTokenException'))],
  })

  // GetEntitlements: the seller, for its contract product
  const entitlementMembers = client.model.shapes.Entitlement?.members ?? []
  const droppedByModel = ['CustomerAWSAccountId', 'LicenseArn'].filter((m) => !entitlementMembers.includes(m))
  const entitlementsOk: Expect = {
    kind: 'success',
    check: {
      op: 'GetEntitlements',
      entitlements: CONTRACT_TERMS.map((t) => ({
        ProductCode: s.contract,
        Dimension: t.Dimension,
        Value: t.Value,
        CustomerIdentifier: s.customer,
        ...(droppedByModel.includes('CustomerAWSAccountId') ? {} : { CustomerAWSAccountId: s.buyerAccount }),
        ...(droppedByModel.includes('LicenseArn') ? {} : { LicenseArn: s.licenseArn }),
        ExpirationMs: Date.parse(CONTRACT_END),
      })),
      ...(droppedByModel.length ? { absent: droppedByModel } : {}),
    },
  }
  const entitle = (params: Record<string, unknown>, expect: Expect, paginate?: number): Step => ({
    op: 'GetEntitlements',
    params,
    cred: s.seller,
    region: 'us-east-1',
    expect,
    ...(paginate ? { paginate } : {}),
  })
  const byBuyer = { CUSTOMER_AWS_ACCOUNT_ID: [s.buyerAccount] }
  add({
    operation: 'GetEntitlements',
    name: droppedByModel.length ? `success (this model has no ${droppedByModel.join(', ')}: the client drops them)` : 'success',
    steps: [entitle({ ProductCode: s.contract, Filter: byBuyer }, entitlementsOk)],
  })
  add({
    operation: 'GetEntitlements',
    name: "success, one entitlement per page through the client's paginator (NextToken)",
    steps: [entitle({ ProductCode: s.contract, Filter: byBuyer }, entitlementsOk, 1)],
    expectedAttempts: CONTRACT_TERMS.length,
  })
  add({
    operation: 'GetEntitlements',
    name: 'InvalidParameterException (CUSTOMER_IDENTIFIER together with CUSTOMER_AWS_ACCOUNT_ID)',
    steps: [
      entitle(
        { ProductCode: s.contract, Filter: { CUSTOMER_IDENTIFIER: [s.customer], CUSTOMER_AWS_ACCOUNT_ID: [s.buyerAccount] } },
        error('GetEntitlements', 'InvalidParameterException'),
      ),
    ],
  })
  add({
    operation: 'GetEntitlements',
    name: 'InvalidParameterException (a product the caller does not publish)',
    steps: [entitle({ ProductCode: 'conf-no-such-product' }, error('GetEntitlements', 'InvalidParameterException'))],
  })

  // Throttling and internal errors, on every operation: mapped with retries off, and retried
  const firstSteps: Record<OpName, () => Step> = {
    BatchMeterUsage: () => {
      const r = record()
      return batch({ ProductCode: s.saas, UsageRecords: [r] }, batchSuccess(r))
    },
    MeterUsage: () => meter(meterParams(), meterOk),
    RegisterUsage: () => register({}, { kind: 'success', check: { op: 'RegisterUsage' } }),
    ResolveCustomer: () =>
      resolve(ctx.validToken.token, {
        kind: 'success',
        check: { op: 'ResolveCustomer', expected: { CustomerAWSAccountId: s.buyerAccount } },
      }),
    GetEntitlements: () => entitle({ ProductCode: s.contract, Filter: byBuyer }, entitlementsOk),
  }
  const callerAccount = (op: OpName) => (op === 'MeterUsage' || op === 'RegisterUsage' ? s.buyerAccount : s.sellerAccount)
  for (const op of OPERATIONS) {
    for (const code of ['ThrottlingException', 'InternalServiceErrorException']) {
      const rule = (times: number) => ({ operation: op, accountId: callerAccount(op), error: code, times })
      add({
        operation: op,
        name: `${code} (retries off)`,
        maxAttempts: 1,
        faults: [rule(1)],
        steps: [{ ...firstSteps[op](), expect: error(op, code) }],
      })
      add({
        operation: op,
        name: `${code} twice, then success (retried)`,
        faults: [rule(2)],
        expectedAttempts: 3,
        steps: [firstSteps[op]()],
      })
    }
  }
  for (const code of ['ThrottlingException', 'InternalServiceErrorException']) {
    add({
      operation: 'MeterUsage',
      name: `${code} every time (retries exhausted)`,
      faults: [{ operation: 'MeterUsage', accountId: s.buyerAccount, error: code, times: 10 }],
      expectedAttempts: client.retry.maxAttempts,
      steps: [meter(meterParams(), error('MeterUsage', code))],
    })
  }
  return cases
}

/** Only the retry cases: for a second run of a client in another retry mode. */
export const retryCases = (cases: Case[]): Case[] => cases.filter((c) => c.faults !== undefined && c.maxAttempts === undefined)

/**
 * The OpenAPI-style client against a permissive meterd with the demo world: unsigned JSON calls
 * act for the demo buyer (MeterUsage, RegisterUsage) or the product's seller (the others).
 */
export function buildOpenApiCases(
  client: ClientInfo,
  ctx: {
    atMs: number
    rotatedAtMs: number
    token: { token: string; accountId: string; licenseArn: string }
  },
): Case[] {
  const cases: Case[] = []
  const none = { accessKeyId: '', secretAccessKey: '' }
  const add = (operation: OpName, name: string, params: Record<string, unknown>, expect: Expect, faults?: Record<string, unknown>[]) => {
    cases.push({
      id: `openapi-${String(cases.length + 1).padStart(2, '0')}`,
      client: client.id,
      operation,
      name,
      endpoint: 'arg',
      expectedAttempts: 1,
      steps: [{ op: operation, params, cred: none, region: 'us-east-1', expect }],
      ...(faults ? { faults } : {}),
    })
  }
  const error = (code: string): Expect => ({ kind: 'error', code, modeled: true })
  const record = { Timestamp: ts(ctx.atMs), CustomerIdentifier: 'demo-customer-1', Dimension: 'users', Quantity: 1 }
  add(
    'BatchMeterUsage',
    'success',
    { ProductCode: 'demo-saas', UsageRecords: [record] },
    {
      kind: 'success',
      check: {
        op: 'BatchMeterUsage',
        records: [
          { timestampMs: ctx.atMs, status: 'Success', echo: { CustomerIdentifier: 'demo-customer-1', Dimension: 'users', Quantity: 1 } },
        ],
      },
    },
  )
  add(
    'BatchMeterUsage',
    'TimestampOutOfBoundsException',
    { ProductCode: 'demo-saas', UsageRecords: [{ ...record, Timestamp: ts(ctx.atMs - 25 * HOUR) }] },
    error('TimestampOutOfBoundsException'),
  )
  const meter = { ProductCode: 'demo-ami', Timestamp: ts(ctx.atMs), UsageDimension: 'hosts', UsageQuantity: 1 }
  add('MeterUsage', 'success', meter, { kind: 'success', check: { op: 'MeterUsage' } })
  add('MeterUsage', 'InvalidProductCodeException', { ...meter, ProductCode: 'no-such-product' }, error('InvalidProductCodeException'))
  add('MeterUsage', 'ThrottlingException (injected)', meter, error('ThrottlingException'), [
    { operation: 'MeterUsage', error: 'ThrottlingException', times: 1 },
  ])
  add('MeterUsage', 'InternalServiceErrorException (injected)', meter, error('InternalServiceErrorException'), [
    { operation: 'MeterUsage', error: 'InternalServiceErrorException', times: 1 },
  ])
  add(
    'RegisterUsage',
    'success (current key, version 2)',
    { ProductCode: 'demo-container', PublicKeyVersion: 2 },
    { kind: 'success', check: { op: 'RegisterUsage' } },
  )
  add(
    'RegisterUsage',
    'success with PublicKeyRotationTimestamp (expired key, version 1)',
    { ProductCode: 'demo-container', PublicKeyVersion: 1 },
    { kind: 'success', check: { op: 'RegisterUsage', rotationTimestampMs: ctx.rotatedAtMs } },
  )
  add(
    'RegisterUsage',
    'InvalidPublicKeyVersionException',
    { ProductCode: 'demo-container', PublicKeyVersion: 99 },
    error('InvalidPublicKeyVersionException'),
  )
  add(
    'ResolveCustomer',
    'success',
    { RegistrationToken: ctx.token.token },
    {
      kind: 'success',
      check: {
        op: 'ResolveCustomer',
        expected: { CustomerAWSAccountId: ctx.token.accountId, ProductCode: 'demo-saas', LicenseArn: ctx.token.licenseArn },
      },
    },
  )
  add('ResolveCustomer', 'InvalidTokenException', { RegistrationToken: 'not-a-registration-token' }, error('InvalidTokenException'))
  add(
    'GetEntitlements',
    'success (the demo contract)',
    { ProductCode: 'demo-contract' },
    {
      kind: 'success',
      check: {
        op: 'GetEntitlements',
        entitlements: [
          { Dimension: 'admin_seats', Value: { IntegerValue: 25 } },
          { Dimension: 'tier', Value: { StringValue: 'gold' } },
        ].map((e) => ({
          ProductCode: 'demo-contract',
          ...e,
          CustomerAWSAccountId: '222222222222',
          LicenseArn: 'arn:aws:license-manager::222222222222:license/l-demo0000000000000001',
          ExpirationMs: Date.parse('2036-01-01T00:00:00Z'),
        })),
      },
    },
  )
  add('GetEntitlements', 'InvalidParameterException', { ProductCode: 'demo-contract', MaxResults: 26 }, error('InvalidParameterException'))
  return cases
}
