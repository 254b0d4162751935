import { useState } from 'preact/hooks'
import { useConsole } from '../console-context.js'
import { ExportButtons } from '../export-buttons.js'
import { apiQuery, FilterForm, type FilterSpec } from '../filters.js'
import { formatNumber } from '../format.js'
import { useLoad } from '../hooks.js'
import type { PageProps } from '../navigation.js'
import { usePager } from '../pager.js'
import { navigate } from '../router.js'
import { Badge, Card, EmptyState, ErrorNote, Time } from '../ui.js'
import { AuditEventDetail } from './audit-detail.js'

const PAGE_SIZE = 50
const FILTERS = ['operation', 'failed', 'injected', 'errorCode', 'accessKeyId', 'accountId', 'from', 'to'] as const
const OPERATIONS = ['BatchMeterUsage', 'MeterUsage', 'RegisterUsage', 'ResolveCustomer']

export function AuditPage({ params }: PageProps) {
  const { admin } = useConsole()
  const query = apiQuery(params, FILTERS)
  const order = params.get('order') === 'oldest-first' ? 'oldest-first' : 'newest-first'
  const filterKey = JSON.stringify([query, order])
  const pager = usePager(filterKey)
  const list = useLoad(() => admin.listAudit({ ...query, order, limit: PAGE_SIZE, cursor: pager.cursor }), [filterKey, pager.cursor])
  const [open, setOpen] = useState<string | undefined>(params.get('event') ?? undefined)

  const specs: FilterSpec[] = [
    { name: 'operation', label: 'Operation', kind: 'select', options: OPERATIONS },
    { name: 'errorCode', label: 'Error code', kind: 'text', placeholder: 'ThrottlingException' },
    { name: 'accessKeyId', label: 'Access key', kind: 'text' },
    { name: 'accountId', label: 'Caller account', kind: 'text', placeholder: '12 digits' },
    { name: 'from', label: 'From', kind: 'datetime' },
    { name: 'to', label: 'Before', kind: 'datetime' },
    {
      name: 'order',
      label: 'Order',
      kind: 'select',
      options: [
        ['newest-first', 'Newest first'],
        ['oldest-first', 'Oldest first'],
      ],
    },
    { name: 'failed', label: 'Failed calls only', kind: 'checkbox' },
    { name: 'injected', label: 'Shaped by a fault rule or quota', kind: 'checkbox' },
  ]
  const events = list.data?.events ?? []
  return (
    <>
      <div class="page-head">
        <h1>Audit trail</h1>
        <p class="muted">
          Every call to the AWS endpoint, accepted or refused, as CloudTrail would record it
          {list.data ? `; kept ${formatNumber(list.data.retentionDays)} days` : ''}.
        </p>
      </div>
      <FilterForm
        key={filterKey}
        label="Audit filters"
        specs={specs}
        params={new URLSearchParams({ ...query, order })}
        onApply={(values) => navigate('audit', values)}
      />
      <ErrorNote message={list.error} />
      <Card title={`Calls${list.data ? `, page ${pager.page}` : ''}`} wide actions={<ExportButtons what="audit" query={query} />}>
        <div class="card-tools">
          <button type="button" class="button small" onClick={list.reload}>
            Refresh
          </button>
        </div>
        {list.data && events.length === 0 ? (
          <EmptyState title={Object.keys(query).length ? 'No call matches these filters.' : 'No AWS calls yet.'}>
            <p>
              Calls to the AWS endpoint (its address is on the Overview), of any operation and with any credentials, appear here as soon as
              they are answered.
            </p>
          </EmptyState>
        ) : (
          <div class="table-scroll">
            <table class="table" data-testid="audit-table">
              <caption class="visually-hidden">AWS calls</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Caller</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Shaped by</th>
                  <th scope="col" class="num">
                    Duration
                  </th>
                  <th scope="col">
                    <span class="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <>
                    <tr key={e.eventId} data-event-id={e.eventId}>
                      <td>
                        <Time iso={e.eventTime} relative={false} />
                      </td>
                      <td>{e.eventName}</td>
                      <td>
                        {e.userIdentity.accountId ?? '—'}
                        {e.userIdentity.accessKeyId && <span class="muted small block">{e.userIdentity.accessKeyId}</span>}
                      </td>
                      <td>{e.errorCode ? <Badge tone="bad">{e.errorCode}</Badge> : <Badge tone="good">HTTP {e.httpStatus}</Badge>}</td>
                      <td>{e.injectedFault ? <Badge tone="warn">{e.injectedFault === 'quota' ? 'quota' : 'fault rule'}</Badge> : ''}</td>
                      <td class="num">{formatNumber(e.durationMs)} ms</td>
                      <td>
                        <button
                          type="button"
                          class="button small"
                          aria-expanded={open === e.eventId}
                          aria-label={`Details of the ${e.eventName} call ${e.requestID}`}
                          onClick={() => setOpen(open === e.eventId ? undefined : e.eventId)}
                        >
                          {open === e.eventId ? 'Hide' : 'Details'}
                        </button>
                      </td>
                    </tr>
                    {open === e.eventId && (
                      <tr key={`${e.eventId}-detail`} class="detail-row">
                        <td colSpan={7}>
                          <AuditEventDetail event={e} />
                        </td>
                      </tr>
                    )}
                  </>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav class="pager" aria-label="Audit pages">
          <button type="button" class="button" disabled={pager.page === 1} onClick={pager.first}>
            First
          </button>
          <button type="button" class="button" disabled={pager.page === 1} onClick={pager.previous}>
            Previous
          </button>
          <span class="muted">
            Page {pager.page} · {formatNumber(events.length)} shown
          </span>
          <button
            type="button"
            class="button"
            disabled={!list.data?.nextCursor}
            onClick={() => list.data?.nextCursor && pager.next(list.data.nextCursor)}
          >
            Next
          </button>
        </nav>
      </Card>
    </>
  )
}
