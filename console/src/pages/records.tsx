import { useState } from 'preact/hooks'
import type { RecordView } from '../admin.js'
import { useConsole } from '../console-context.js'
import { ExportButtons } from '../export-buttons.js'
import { apiQuery, FilterForm, type FilterSpec } from '../filters.js'
import { FirstRecordCommand } from '../first-record.js'
import { formatNumber } from '../format.js'
import { useLoad } from '../hooks.js'
import type { PageProps } from '../navigation.js'
import { usePager } from '../pager.js'
import { navigate } from '../router.js'
import { Card, EmptyState, ErrorNote, JsonView, StatusBadge, Time } from '../ui.js'

const PAGE_SIZE = 50
/** The first page of the newest records follows the ledger as it grows. */
const LIVE_REFRESH_MS = 3000
const FILTERS = [
  'productCode',
  'customerIdentifier',
  'customerAccountId',
  'dimension',
  'status',
  'operation',
  'from',
  'to',
  'tagKey',
  'tagValue',
] as const

export function RecordsPage({ params }: PageProps) {
  const { admin } = useConsole()
  const world = useLoad(() => admin.exportWorld(), [])
  const query = apiQuery(params, FILTERS)
  const order = params.get('order') === 'oldest-first' ? 'oldest-first' : 'newest-first'
  const filterKey = JSON.stringify([query, order])
  const pager = usePager(filterKey)
  const live = order === 'newest-first' && pager.page === 1
  const list = useLoad(
    () => admin.listRecords({ ...query, order, limit: PAGE_SIZE, cursor: pager.cursor }),
    [filterKey, pager.cursor],
    live ? LIVE_REFRESH_MS : undefined,
  )
  const [open, setOpen] = useState<string | undefined>()

  const specs: FilterSpec[] = [
    { name: 'productCode', label: 'Product', kind: 'select', options: world.data?.products.map((p) => p.code) ?? [] },
    { name: 'customerIdentifier', label: 'Customer identifier', kind: 'text' },
    { name: 'customerAccountId', label: 'Customer account', kind: 'text', placeholder: '12 digits' },
    { name: 'dimension', label: 'Dimension', kind: 'text' },
    { name: 'status', label: 'Status', kind: 'select', options: ['Success', 'CustomerNotSubscribed', 'DuplicateRecord'] },
    { name: 'operation', label: 'Operation', kind: 'select', options: ['BatchMeterUsage', 'MeterUsage'] },
    { name: 'from', label: 'Usage from', kind: 'datetime' },
    { name: 'to', label: 'Usage before', kind: 'datetime' },
    { name: 'tagKey', label: 'Tag key', kind: 'text' },
    { name: 'tagValue', label: 'Tag value', kind: 'text' },
    {
      name: 'order',
      label: 'Order',
      kind: 'select',
      options: [
        ['newest-first', 'Newest first'],
        ['oldest-first', 'Oldest first'],
      ],
    },
  ]
  const records = list.data?.records ?? []
  return (
    <>
      <div class="page-head">
        <h1>Records</h1>
        <p class="muted">Every metering record in the ledger, as BatchMeterUsage and MeterUsage stored it.</p>
      </div>
      <FilterForm
        key={filterKey}
        label="Record filters"
        specs={specs}
        params={new URLSearchParams({ ...query, order })}
        onApply={(values) => navigate('records', values)}
      />
      <ErrorNote message={list.error ?? world.error} />
      <Card title={`Records${list.data ? `, page ${pager.page}` : ''}`} wide actions={<ExportButtons what="records" query={query} />}>
        {live && <p class="muted small">Newest first, refreshed every {LIVE_REFRESH_MS / 1000} s.</p>}
        {list.data && records.length === 0 ? (
          <EmptyState title={Object.keys(query).length ? 'No record matches these filters.' : 'The ledger holds no records yet.'}>
            {Object.keys(query).length === 0 && (
              <>
                <p>BatchMeterUsage (seller keys) and MeterUsage (buyer keys) create them. To meter one now:</p>
                <FirstRecordCommand />
              </>
            )}
          </EmptyState>
        ) : (
          <div class="table-scroll">
            <table class="table" data-testid="records-table">
              <caption class="visually-hidden">Metering records</caption>
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Usage hour</th>
                  <th scope="col">Product</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Dimension</th>
                  <th scope="col" class="num">
                    Quantity
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Operation</th>
                  <th scope="col">
                    <span class="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {records.map((r) => (
                  <>
                    <tr key={r.meteringRecordId} data-record-id={r.meteringRecordId}>
                      <td>
                        <Time iso={r.receivedAt} relative={false} />
                      </td>
                      <td>
                        <Time iso={r.hour} relative={false} />
                      </td>
                      <td>{r.productCode}</td>
                      <td>{r.customerIdentifier ?? `account ${r.customerAccountId ?? '?'}`}</td>
                      <td>{r.dimension}</td>
                      <td class="num">{formatNumber(r.quantity)}</td>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td>{r.operation}</td>
                      <td>
                        <button
                          type="button"
                          class="button small"
                          aria-expanded={open === r.meteringRecordId}
                          aria-label={`Details of record ${r.meteringRecordId}`}
                          onClick={() => setOpen(open === r.meteringRecordId ? undefined : r.meteringRecordId)}
                        >
                          {open === r.meteringRecordId ? 'Hide' : 'Details'}
                        </button>
                      </td>
                    </tr>
                    {open === r.meteringRecordId && (
                      <tr key={`${r.meteringRecordId}-detail`} class="detail-row">
                        <td colSpan={9}>
                          <RecordDetail record={r} />
                        </td>
                      </tr>
                    )}
                  </>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav class="pager" aria-label="Record pages">
          <button type="button" class="button" disabled={pager.page === 1} onClick={pager.first}>
            First
          </button>
          <button type="button" class="button" disabled={pager.page === 1} onClick={pager.previous}>
            Previous
          </button>
          <span class="muted">
            Page {pager.page} · {formatNumber(records.length)} shown
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

function RecordDetail({ record }: { record: RecordView }) {
  return (
    <div class="detail" data-testid="record-detail">
      <dl class="facts">
        <dt>MeteringRecordId</dt>
        <dd>
          <code>{record.meteringRecordId}</code>
        </dd>
        <dt>Usage time</dt>
        <dd>
          <Time iso={record.timestamp} relative={false} />{' '}
          <span class="muted">
            (slot of the hour from <Time iso={record.hour} relative={false} />)
          </span>
        </dd>
        <dt>Received</dt>
        <dd>
          <Time iso={record.receivedAt} relative={false} />
        </dd>
        <dt>Customer</dt>
        <dd>
          {record.customerIdentifier ? `${record.customerIdentifier} · ` : ''}account {record.customerAccountId ?? '—'}
        </dd>
        {record.licenseArn && (
          <>
            <dt>License</dt>
            <dd>
              <code>{record.licenseArn}</code>
            </dd>
          </>
        )}
        {record.resourceId && (
          <>
            <dt>Resource</dt>
            <dd>{record.resourceId}</dd>
          </>
        )}
        <dt>Caller</dt>
        <dd>
          account {record.callerAccountId}
          {record.callerAccessKeyId && <> · {record.callerAccessKeyId}</>}
        </dd>
        <dt>Request id</dt>
        <dd>
          <code>{record.requestId}</code>
        </dd>
      </dl>
      <h3>Allocations</h3>
      {record.allocations && record.allocations.length > 0 ? (
        <table class="table compact">
          <thead>
            <tr>
              <th scope="col" class="num">
                Quantity
              </th>
              <th scope="col">Tags</th>
            </tr>
          </thead>
          <tbody>
            {record.allocations.map((a, i) => (
              <tr key={i}>
                <td class="num">{formatNumber(a.quantity)}</td>
                <td>{a.tags.map((t) => `${t.key}=${t.value}`).join(', ') || <span class="muted">no tags</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">None: the whole quantity is untagged.</p>
      )}
      <details>
        <summary>As JSON</summary>
        <JsonView value={record} label="Record as JSON" />
      </details>
    </div>
  )
}
