import type { AuditView } from '../admin.js'
import { useConsole } from '../console-context.js'
import { formatNumber } from '../format.js'
import { useLoad } from '../hooks.js'
import { Badge, JsonView, Time } from '../ui.js'
import { describeFault } from './fault-text.js'

/** One AWS call as the audit trail keeps it: who, what was sent, what came back, and what shaped it. */
export function AuditEventDetail({ event }: { event: AuditView }) {
  return (
    <div class="detail" data-testid="audit-detail">
      <dl class="facts">
        <dt>Time</dt>
        <dd>
          <Time iso={event.eventTime} />
        </dd>
        <dt>Operation</dt>
        <dd>{event.eventName}</dd>
        <dt>Caller</dt>
        <dd>
          {event.userIdentity.accountId ?? 'unknown account'}
          {event.userIdentity.accessKeyId && <> · {event.userIdentity.accessKeyId}</>}
        </dd>
        <dt>Source</dt>
        <dd>
          {event.sourceIPAddress}
          {event.userAgent && <span class="muted"> · {event.userAgent}</span>}
        </dd>
        <dt>Request id</dt>
        <dd>
          <code>{event.requestID}</code>
        </dd>
        <dt>Answer</dt>
        <dd>
          HTTP {event.httpStatus} in {formatNumber(event.durationMs)} ms
        </dd>
        {event.errorCode && (
          <>
            <dt>Error</dt>
            <dd data-testid="audit-error">
              <Badge tone="bad">{event.errorCode}</Badge> {event.errorMessage}
            </dd>
          </>
        )}
        {event.injectedFault && (
          <>
            <dt>Shaped by</dt>
            <dd data-testid="audit-injected">
              <InjectedFault tag={event.injectedFault} />
            </dd>
          </>
        )}
      </dl>
      <div class="detail-columns">
        <div>
          <h3>Request parameters</h3>
          <JsonView value={event.requestParameters} label="Request parameters" />
        </div>
        <div>
          <h3>{event.errorCode ? 'Error' : 'Response'}</h3>
          <JsonView
            value={event.errorCode ? { __type: event.errorCode, message: event.errorMessage } : event.responseElements}
            label={event.errorCode ? 'Error answer' : 'Response elements'}
          />
        </div>
      </div>
    </div>
  )
}

/** `quota` or `fault:<rule ids>`: the rules are described while they are still active. */
function InjectedFault({ tag }: { tag: string }) {
  const { admin } = useConsole()
  const ids = tag.startsWith('fault:') ? tag.slice('fault:'.length).split(',') : []
  const rules = useLoad(() => (ids.length ? admin.listFaults() : Promise.resolve({ rules: [] })), [tag])
  if (tag === 'quota') return <>the request quota (token bucket) of this account, Region and operation: throttled</>
  if (ids.length === 0) return <>{tag}</>
  return (
    <ul class="plain-list">
      {ids.map((id) => {
        const rule = rules.data?.rules.find((r) => r.id === id)
        return (
          <li key={id}>
            fault rule <code>{id}</code>
            {rule ? (
              <>: {describeFault(rule)}</>
            ) : rules.data ? (
              <span class="muted"> (no longer active: used up, expired or removed)</span>
            ) : null}
          </li>
        )
      })}
    </ul>
  )
}
