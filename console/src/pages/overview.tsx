import { useMemo, useState } from 'preact/hooks'
import type { AuditView, OverviewView } from '../admin.js'
import { FAILURE_COLORS, SeriesChart, type Series, SUCCESS_COLORS } from '../chart.js'
import { clientSetup } from '../client-setup.js'
import { useConsole } from '../console-context.js'
import { formatDuration, formatInstant, formatNumber } from '../format.js'
import { useLoad } from '../hooks.js'
import type { PageProps } from '../navigation.js'
import { hrefFor } from '../router.js'
import { AuditEventDetail } from './audit-detail.js'
import { describeFault } from './fault-text.js'
import { Card, CodeBlock, CopyButton, EmptyState, ErrorNote, Time } from '../ui.js'

/** How often the overview asks meterd again: live enough to watch a test run, cheap for meterd. */
export const OVERVIEW_REFRESH_MS = 2000

export function OverviewPage(_props: PageProps) {
  const { admin, timeZone } = useConsole()
  const overview = useLoad(() => admin.overview({ timeZone, minutes: 15, recent: 8 }), [timeZone], OVERVIEW_REFRESH_MS)
  const world = useLoad(() => admin.exportWorld(), [])
  const data = overview.data
  const setup = useMemo(() => (data && world.data ? clientSetup(data.endpoint, world.data) : undefined), [data?.endpoint, world.data])
  const [client, setClient] = useState<'awsCli' | 'boto3' | 'javascript'>('awsCli')

  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <p class="muted" aria-live="off">
          {data ? (
            <>
              Live: updated every {OVERVIEW_REFRESH_MS / 1000} s · times in {timeZone}
            </>
          ) : (
            'Loading…'
          )}
        </p>
      </div>
      <ErrorNote message={overview.error ?? world.error} />
      {data && (
        <div class="grid">
          <Card title="Endpoint" wide>
            <p class="endpoint">
              <code data-testid="endpoint">{data.endpoint}</code> <CopyButton text={data.endpoint} label="Copy the endpoint" />
            </p>
            <p class="world-line" data-testid="world-line">
              {formatNumber(data.world.accounts)} {data.world.accounts === 1 ? 'account' : 'accounts'} · {formatNumber(data.world.products)}{' '}
              {data.world.products === 1 ? 'product' : 'products'} · {formatNumber(data.world.customers)}{' '}
              {data.world.customers === 1 ? 'customer' : 'customers'} · {formatNumber(data.world.licenses)}{' '}
              {data.world.licenses === 1 ? 'license' : 'licenses'} ({formatNumber(data.world.activeLicenses)} in force) ·{' '}
              <a href={hrefFor('world')}>World</a>
            </p>
            {setup && (
              <div class="client-setup">
                <div role="tablist" aria-label="Client" class="tabs">
                  {(
                    [
                      ['awsCli', 'AWS CLI'],
                      ['boto3', 'boto3'],
                      ['javascript', 'JavaScript SDK'],
                    ] as const
                  ).map(([id, label]) => (
                    <button
                      key={id}
                      type="button"
                      role="tab"
                      id={`tab-${id}`}
                      aria-selected={client === id}
                      aria-controls="client-snippet"
                      tabIndex={client === id ? 0 : -1}
                      class="tab"
                      onClick={() => setClient(id)}
                      onKeyDown={(e) => {
                        const order = ['awsCli', 'boto3', 'javascript'] as const
                        const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0
                        if (!step) return
                        const next = order[(order.indexOf(client) + step + order.length) % order.length]!
                        setClient(next)
                        document.getElementById(`tab-${next}`)?.focus()
                      }}
                    >
                      {label}
                    </button>
                  ))}
                </div>
                <div id="client-snippet" role="tabpanel" aria-labelledby={`tab-${client}`}>
                  <CodeBlock
                    code={setup[client]}
                    label={client === 'awsCli' ? 'AWS CLI setup' : client === 'boto3' ? 'boto3 setup' : 'JavaScript SDK setup'}
                  />
                </div>
                <p class="muted small">
                  Code you cannot change: set <code>AWS_ENDPOINT_URL_MARKETPLACE_METERING={data.endpoint}</code>. The AWS CLI v2, boto3 and
                  the JavaScript SDK v3 read it.
                </p>
              </div>
            )}
          </Card>
          <Counters data={data} />
          <CallsPerMinute data={data} />
          <Card title="Clock" actions={<a href={hrefFor('controls')}>Controls</a>}>
            <ClockSummary clock={data.clock} />
          </Card>
          <Card title="Fault rules" actions={<a href={hrefFor('controls')}>Add or remove</a>}>
            {data.faults.length === 0 ? (
              <p class="muted">
                None: every call runs normally{data.quotas.enabled ? ', within AWS’s request quotas' : ', and quotas are off'}.
              </p>
            ) : (
              <ul class="plain-list" data-testid="overview-faults">
                {data.faults.map((rule) => (
                  <li key={rule.id}>{describeFault(rule)}</li>
                ))}
              </ul>
            )}
          </Card>
          <RecentRefused events={data.recentRefused} />
          {data.today.byStatus.length === 0 && data.calls.total === 0 && setup && (
            <Card title="Nothing metered yet" wide>
              <EmptyState title="No records today and no calls in the last 15 minutes.">
                <p>Meter one record with the AWS CLI; it shows up here within seconds:</p>
                <CodeBlock code={setup.awsCli} label="First record with the AWS CLI" />
              </EmptyState>
            </Card>
          )}
        </div>
      )}
    </>
  )
}

function Counters({ data }: { data: OverviewView }) {
  const refusedToday = data.today.byStatus.filter((s) => s.status !== 'Success').reduce((n, s) => n + s.records, 0)
  const tiles: [string, number, string, string][] = [
    ['Calls', data.calls.total, `last ${data.calls.minutes} minutes`, 'calls'],
    ['Failed calls', data.calls.failed, `last ${data.calls.minutes} minutes`, 'failed'],
    [
      'Records accepted',
      data.today.accepted,
      `today since ${formatInstant(Date.parse(data.today.from), data.today.timeZone).slice(11, 16)}`,
      'accepted',
    ],
    ['Records refused', refusedToday, 'today: not subscribed or duplicate', 'refused'],
  ]
  return (
    <section class="counters wide" aria-label="Counters">
      {tiles.map(([label, value, note, id]) => (
        <div class="counter" key={id} data-testid={`counter-${id}`}>
          <span class="counter-label">{label}</span>
          <span class="counter-value">{formatNumber(value)}</span>
          <span class="counter-note">{note}</span>
        </div>
      ))}
    </section>
  )
}

function CallsPerMinute({ data }: { data: OverviewView }) {
  const { timeZone } = useConsole()
  const { labels, series, rows } = useMemo(() => {
    const fromMs = Date.parse(data.calls.from)
    const minutes = Array.from({ length: data.calls.minutes }, (_, i) => fromMs + i * 60_000)
    const keys = [...new Set(data.calls.perMinute.map((m) => `${m.operation} · ${m.outcome}`))].sort()
    let successes = 0
    let failures = 0
    const series: Series[] = keys.map((key) => ({
      label: key,
      color: key.endsWith(' · Success')
        ? SUCCESS_COLORS[successes++ % SUCCESS_COLORS.length]!
        : FAILURE_COLORS[failures++ % FAILURE_COLORS.length]!,
      values: minutes.map((minute) =>
        data.calls.perMinute
          .filter((m) => `${m.operation} · ${m.outcome}` === key && Date.parse(m.minute) === minute)
          .reduce((n, m) => n + m.calls, 0),
      ),
    }))
    const rows = series.map((s) => {
      const [operation = '', outcome = ''] = s.label.split(' · ')
      return { operation, outcome, last: s.values.at(-1) ?? 0, total: s.values.reduce((a, b) => a + b, 0) }
    })
    return { labels: minutes.map((m) => formatInstant(m, timeZone).slice(11, 16)), series, rows }
  }, [data.calls, timeZone])
  return (
    <Card title="Calls per minute" wide>
      {rows.length === 0 ? (
        <p class="muted">No AWS calls in the last {data.calls.minutes} minutes.</p>
      ) : (
        <div class="split">
          <SeriesChart
            kind="bar"
            labels={labels}
            series={series}
            height={200}
            description="AWS calls per minute, stacked by operation and outcome"
          />
          <div class="table-scroll">
            <table class="table compact" data-testid="calls-table">
              <caption class="visually-hidden">Calls by operation and outcome</caption>
              <thead>
                <tr>
                  <th scope="col">Operation</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" class="num">
                    Now
                  </th>
                  <th scope="col" class="num">
                    {data.calls.minutes} min
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.operation} ${r.outcome}`}>
                    <td>{r.operation}</td>
                    <td class={r.outcome === 'Success' ? '' : 'bad-text'}>{r.outcome}</td>
                    <td class="num">{formatNumber(r.last)}</td>
                    <td class="num">{formatNumber(r.total)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </Card>
  )
}

export function ClockSummary({ clock }: { clock: OverviewView['clock'] }) {
  const { timeZone } = useConsole()
  return (
    <dl class="facts" data-testid="clock-summary">
      <dt>Mode</dt>
      <dd data-testid="clock-mode">{clock.mode === 'real' ? 'Real time' : clock.mode === 'frozen' ? 'Frozen' : 'Running, shifted'}</dd>
      <dt>Metering now</dt>
      <dd>
        <time dateTime={clock.now} data-testid="clock-now">
          {formatInstant(clock.nowMs, timeZone)}
        </time>
      </dd>
      <dt>From real time</dt>
      <dd>{clock.mode === 'real' ? '—' : `${formatDuration(clock.offsetMs)} ${clock.offsetMs < 0 ? 'behind' : 'ahead'}`}</dd>
    </dl>
  )
}

function RecentRefused({ events }: { events: AuditView[] }) {
  const [open, setOpen] = useState<string | undefined>()
  return (
    <Card
      title="Recent refused calls"
      wide
      actions={<a href={hrefFor('audit', { failed: 'true', order: 'newest-first' })}>All in the audit trail</a>}
    >
      {events.length === 0 ? (
        <p class="muted">No refused calls. Errors and throttled calls show up here as they happen.</p>
      ) : (
        <div class="table-scroll">
          <table class="table" data-testid="recent-refused">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Operation</th>
                <th scope="col">Error</th>
                <th scope="col">Caller</th>
                <th scope="col">
                  <span class="visually-hidden">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <>
                  <tr key={e.eventId}>
                    <td>
                      <Time iso={e.eventTime} />
                    </td>
                    <td>{e.eventName}</td>
                    <td class="bad-text">{e.errorCode}</td>
                    <td>{e.userIdentity.accountId ?? e.userIdentity.accessKeyId ?? '—'}</td>
                    <td>
                      <button
                        type="button"
                        class="button small"
                        aria-expanded={open === e.eventId}
                        onClick={() => setOpen(open === e.eventId ? undefined : e.eventId)}
                      >
                        {open === e.eventId ? 'Hide' : 'Details'}
                      </button>
                    </td>
                  </tr>
                  {open === e.eventId && (
                    <tr key={`${e.eventId}-detail`} class="detail-row">
                      <td colSpan={5}>
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
    </Card>
  )
}
