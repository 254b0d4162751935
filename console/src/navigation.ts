import type { FunctionComponent } from 'preact'
import { AuditPage } from './pages/audit.js'
import { ControlsPage } from './pages/controls.js'
import { OverviewPage } from './pages/overview.js'
import { RecordsPage } from './pages/records.js'
import { UsagePage } from './pages/usage.js'
import { WorldPage } from './pages/world.js'

export interface PageProps {
  params: URLSearchParams
}

export interface NavItem {
  id: string
  label: string
  page?: FunctionComponent<PageProps>
  /** A page that arrives with a later part of meterd: shown, not linked. */
  later?: string
}

/**
 * The console's pages, in the order of the navigation. A page is one entry here and one file in
 * pages/. Events (each notification and its delivery attempts, as Stripe shows webhooks) get
 * their page once meterd sends notifications; until then the slot says so.
 */
export const NAVIGATION: NavItem[] = [
  { id: 'overview', label: 'Overview', page: OverviewPage },
  { id: 'usage', label: 'Usage', page: UsagePage },
  { id: 'records', label: 'Records', page: RecordsPage },
  { id: 'audit', label: 'Audit trail', page: AuditPage },
  { id: 'world', label: 'World', page: WorldPage },
  { id: 'controls', label: 'Controls', page: ControlsPage },
  { id: 'events', label: 'Events', later: 'with notifications' },
]

export function pageFor(id: string): Required<Pick<NavItem, 'id' | 'page'>> {
  const item = NAVIGATION.find((n) => n.id === id && n.page) ?? NAVIGATION[0]!
  return { id: item.id, page: item.page! }
}
