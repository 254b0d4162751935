import { useMemo } from 'preact/hooks'
import { SeriesChart } from '../chart.js'
import { useConsole } from '../console-context.js'
import { toCsv } from '../csv.js'
import { saveBlob } from '../download.js'
import { apiQuery, FilterForm, type FilterSpec } from '../filters.js'
import { FirstRecordCommand } from '../first-record.js'
import { formatMoney, formatNumber } from '../format.js'
import { useLoad } from '../hooks.js'
import type { PageProps } from '../navigation.js'
import { navigate } from '../router.js'
import { Card, EmptyState, ErrorNote } from '../ui.js'
import { type GroupBy, usageTable, windowLabel } from '../usage-series.js'

const FILTERS = ['productCode', 'customerIdentifier', 'customerAccountId', 'dimension', 'status', 'operation', 'from', 'to'] as const
const GROUPS: Record<GroupBy, string> = { product: 'Product', dimension: 'Dimension', customer: 'Customer', tag: 'Tag value' }

export function UsagePage({ params }: PageProps) {
  const { admin, timeZone } = useConsole()
  const world = useLoad(() => admin.exportWorld(), [])
  const query = apiQuery(params, FILTERS)
  const window = (['hour', 'day', 'month'] as const).find((w) => w === params.get('window')) ?? 'day'
  const groupBy = (Object.keys(GROUPS) as GroupBy[]).find((g) => g === params.get('groupBy')) ?? 'dimension'
  const tagKey = params.get('tagKey') ?? ''
  const chart = params.get('chart') === 'lines' ? 'lines' : 'bars'
  const byTag = groupBy === 'tag' && tagKey !== ''
  const key = JSON.stringify([query, window, timeZone, byTag ? tagKey : ''])
  const usage = useLoad(() => admin.usage({ ...query, window, timeZone, ...(byTag ? { byTagKey: tagKey } : {}) }), [key])
  const table = useMemo(
    () => usageTable(usage.data?.rows ?? [], byTag || groupBy !== 'tag' ? groupBy : 'dimension'),
    [usage.data, groupBy, byTag],
  )
  const labels = useMemo(() => table.windows.map(windowLabel), [table])
  const groupLabel = byTag ? `${tagKey} (tag)` : GROUPS[groupBy === 'tag' ? 'dimension' : groupBy]

  const specs: FilterSpec[] = [
    {
      name: 'window',
      label: 'Per',
      kind: 'select',
      options: [
        ['hour', 'Hour'],
        ['day', 'Day'],
        ['month', 'Month'],
      ],
    },
    {
      name: 'groupBy',
      label: 'Stack by',
      kind: 'select',
      options: Object.entries(GROUPS),
    },
    { name: 'tagKey', label: 'Tag key', kind: 'text', hint: 'when stacking by tag value' },
    {
      name: 'chart',
      label: 'Chart',
      kind: 'select',
      options: [
        ['bars', 'Stacked bars'],
        ['lines', 'Lines'],
      ],
    },
    { name: 'productCode', label: 'Product', kind: 'select', options: world.data?.products.map((p) => p.code) ?? [] },
    { name: 'customerIdentifier', label: 'Customer identifier', kind: 'text' },
    { name: 'dimension', label: 'Dimension', kind: 'text' },
    {
      name: 'status',
      label: 'Status',
      kind: 'select',
      options: [
        ['CustomerNotSubscribed', 'CustomerNotSubscribed'],
        ['DuplicateRecord', 'DuplicateRecord'],
      ],
      hint: 'Any: honoured usage (Success) only',
    },
    { name: 'from', label: 'Usage from', kind: 'datetime' },
    { name: 'to', label: 'Usage before', kind: 'datetime' },
  ]
  const formParams = new URLSearchParams({ ...query, window, groupBy, chart, ...(tagKey ? { tagKey } : {}) })

  const downloadCsv = () => {
    const csv = toCsv(
      [
        'window',
        groupLabel
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .replace(/_$/, ''),
        'quantity',
        'records',
        'estimatedAmountUsd',
      ],
      table.cells.map((c) => [c.window, c.group, c.quantity, c.records, c.amount]),
    )
    saveBlob(new Blob([csv], { type: 'text/csv' }), `meterd-usage-per-${window}-${timeZone.replace(/\//g, '_')}.csv`)
  }

  return (
    <>
      <div class="page-head">
        <h1>Usage</h1>
        <p class="muted">
          Quantity per {window} in {timeZone}, stacked by {groupLabel.toLowerCase()}.
        </p>
      </div>
      <FilterForm
        key={formParams.toString()}
        label="Usage filters"
        specs={specs}
        params={formParams}
        onApply={(values) => navigate('usage', values)}
      />
      {groupBy === 'tag' && !tagKey && (
        <p class="note warn">Give a tag key to stack by its values; until then usage is stacked by dimension.</p>
      )}
      <ErrorNote message={usage.error ?? world.error} />
      {usage.data && table.cells.length === 0 ? (
        <Card title="No usage" wide>
          <EmptyState title="No honoured usage matches these filters.">
            <p>Records with status Success count here. To meter one now:</p>
            <FirstRecordCommand />
          </EmptyState>
        </Card>
      ) : (
        usage.data && (
          <>
            <Card
              title={`Quantity per ${window}`}
              wide
              actions={
                <button type="button" class="button" onClick={downloadCsv}>
                  Download CSV
                </button>
              }
            >
              <div class="totals" data-testid="usage-totals">
                <span>
                  Total quantity <strong data-testid="usage-total-quantity">{formatNumber(table.total.quantity)}</strong>
                </span>
                <span>
                  Records <strong>{formatNumber(table.total.records)}</strong>
                </span>
                <span>
                  Billing estimate{' '}
                  <strong data-testid="usage-estimate">
                    {table.total.amount === undefined ? 'no priced dimension' : formatMoney(table.total.amount)}
                  </strong>
                </span>
              </div>
              <SeriesChart
                kind={chart === 'lines' ? 'line' : 'bar'}
                labels={labels}
                series={table.series}
                height={320}
                description={`Usage quantity per ${window}, stacked by ${groupLabel.toLowerCase()}; the table below has the same numbers`}
              />
            </Card>
            <Card title="The numbers" wide>
              <div class="table-scroll">
                <table class="table" data-testid="usage-table">
                  <caption class="visually-hidden">
                    Usage per {window} and {groupLabel.toLowerCase()}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">{window === 'hour' ? 'Hour' : window === 'day' ? 'Day' : 'Month'}</th>
                      <th scope="col">{groupLabel}</th>
                      <th scope="col" class="num">
                        Quantity
                      </th>
                      <th scope="col" class="num">
                        Records
                      </th>
                      <th scope="col" class="num">
                        Estimate
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {table.cells.map((c) => (
                      <tr key={`${c.window} ${c.group}`}>
                        <td>{windowLabel(c.window)}</td>
                        <td>{c.group}</td>
                        <td class="num">{formatNumber(c.quantity)}</td>
                        <td class="num">{formatNumber(c.records)}</td>
                        <td class="num">{c.amount === undefined ? <span class="muted">unpriced</span> : formatMoney(c.amount)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row" colSpan={2}>
                        Total
                      </th>
                      <td class="num">{formatNumber(table.total.quantity)}</td>
                      <td class="num">{formatNumber(table.total.records)}</td>
                      <td class="num">{table.total.amount === undefined ? '—' : formatMoney(table.total.amount)}</td>
                    </tr>
                  </tfoot>
                </table>
              </div>
              <p class="muted small">Estimates use the prices set on dimensions (World page); unpriced dimensions are left out.</p>
            </Card>
          </>
        )
      )}
    </>
  )
}
