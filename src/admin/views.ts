import type { AuditEvent } from '../domain/audit-event.js'
import type { StoredLifecycleEvent } from '../domain/lifecycle-event.js'
import type { Agreement, AgreementVersion } from '../domain/world.js'
import type { SigningKey } from '../domain/registration.js'
import type { UsageRecord } from '../domain/usage-record.js'

const iso = (ms: number) => new Date(ms).toISOString()

/** A signing key as the admin API and CLI show it: never the private half. */
export const keyView = (k: SigningKey) => ({
  version: k.version,
  createdAt: iso(k.createdAtMs),
  expiresAt: k.expiresAtMs === undefined ? null : iso(k.expiresAtMs),
  publicKeyPem: k.publicKeyPem,
})

/** A metering record as the admin API, exports and the CLI show it. */
export const recordView = (r: UsageRecord) => ({
  meteringRecordId: r.meteringRecordId,
  operation: r.operation,
  status: r.status,
  productCode: r.productCode,
  dimension: r.dimension,
  quantity: r.quantity,
  timestamp: iso(r.timestampMs),
  hour: iso(r.hourMs),
  customerIdentifier: r.customerIdentifier ?? null,
  customerAccountId: r.customerAccountId ?? null,
  licenseArn: r.licenseArn ?? null,
  resourceId: r.resourceId ?? null,
  allocations: r.allocations ?? null,
  callerAccountId: r.callerAccountId,
  callerAccessKeyId: r.callerAccessKeyId ?? null,
  requestId: r.requestId,
  receivedAt: iso(r.receivedAtMs),
})
export type RecordView = ReturnType<typeof recordView>

/** An audit event as CloudTrail would show it (field names after CloudTrail's). */
export const auditView = (e: AuditEvent) => ({
  eventId: e.eventId,
  eventTime: iso(e.timeMs),
  eventName: e.operation,
  userIdentity: { accountId: e.callerAccountId ?? null, accessKeyId: e.accessKeyId ?? null },
  sourceIPAddress: e.sourceIp,
  userAgent: e.userAgent ?? null,
  requestID: e.requestId,
  requestParameters: (e.requestParameters ?? null) as unknown,
  responseElements: (e.responseElements ?? null) as unknown,
  httpStatus: e.httpStatus,
  errorCode: e.errorCode ?? null,
  errorMessage: e.errorMessage ?? null,
  injectedFault: e.injectedFault ?? null,
  durationMs: e.durationMs,
})
export type AuditView = ReturnType<typeof auditView>

const isoOrNull = (ms: number | null | undefined) => (ms == null ? null : iso(ms))

const versionView = (v: AgreementVersion) => ({
  version: v.version,
  intent: v.intent,
  status: v.status,
  at: iso(v.at),
  start: iso(v.start),
  end: isoOrNull(v.end),
  freeTrialEnd: isoOrNull(v.freeTrialEnd),
  trialConverts: v.trialConverts ?? null,
  autoRenew: v.autoRenew,
  entitlements: v.entitlements,
  endingAs: v.endingAs ?? null,
})

/** An agreement as it stands (its latest version's fields), optionally with its whole history. */
export const agreementView = (a: Agreement, options: { versions?: boolean } = {}) => {
  const { version, at: _at, ...current } = versionView(a.versions[a.versions.length - 1]!)
  return {
    agreementId: a.id,
    productCode: a.product,
    offerId: a.offer ?? null,
    accountId: a.accountId,
    customerIdentifier: a.customer,
    licenseArn: a.licenseArn,
    acceptedAt: iso(a.acceptedAt),
    ...current,
    version,
    ...(options.versions ? { versions: a.versions.map(versionView) } : {}),
  }
}

/** A lifecycle event of the outbox, times as ISO-8601. */
export const eventView = (e: StoredLifecycleEvent) => ({
  type: e.type,
  at: iso(e.atMs),
  productCode: e.productCode,
  sellerAccountId: e.sellerAccountId,
  accountId: e.accountId,
  customerIdentifier: e.customerIdentifier,
  offerId: e.offerId ?? null,
  agreementId: e.agreementId ?? null,
  licenseArn: e.licenseArn ?? null,
  freeTrial: e.freeTrial,
  intent: e.intent ?? null,
  status: e.status ?? null,
  start: isoOrNull(e.startMs),
  end: isoOrNull(e.endMs),
  acceptedAt: isoOrNull(e.acceptedAtMs),
  previousAgreementId: e.previousAgreementId ?? null,
  worldVersion: e.worldVersion,
  position: e.position,
})
