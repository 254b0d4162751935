import { AdminClient, AdminRequestError } from '../../src/admin/admin-client.js'

export { AdminClient, AdminRequestError }
export type {
  AuditView,
  ClockView,
  FaultRuleView,
  KeyView,
  OverviewView,
  QuotaView,
  RecordView,
  SubscribeResponse,
  UsageRowView,
  UsageView,
} from '../../src/admin/admin-client.js'

/** The console is served by meterd itself: the admin API is on the same origin. */
export const adminClientFor = (token: string): AdminClient => new AdminClient({ url: location.origin, token })

/** The admin API's own words for what went wrong (its messages name the bad field). */
export function messageOf(error: unknown): string {
  if (error instanceof AdminRequestError) {
    if (error.status === 0) return 'Cannot reach meterd. Is it still running?'
    return `${error.message} (${error.status} ${error.code})`
  }
  return error instanceof Error ? error.message : String(error)
}

export const isUnauthorized = (error: unknown): boolean => error instanceof AdminRequestError && error.status === 401
