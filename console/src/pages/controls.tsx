import { useState } from 'preact/hooks'
import type { ClockView, QuotaView } from '../admin.js'
import { useConsole } from '../console-context.js'
import { formatDuration, formatInstant, fromDateTimeLocal, toDateTimeLocal } from '../format.js'
import { useAction, useLoad } from '../hooks.js'
import type { PageProps } from '../navigation.js'
import { Badge, Card, ErrorNote, Field, formValue, SuccessNote, Time } from '../ui.js'
import { describeFault } from './fault-text.js'

const ADVANCE_PRESETS = ['-1h', '+1h', '+6h', '+1d', '+7d', '+30d'] as const
const OPERATIONS = ['BatchMeterUsage', 'MeterUsage', 'RegisterUsage', 'ResolveCustomer'] as const

export function ControlsPage(_props: PageProps) {
  return (
    <>
      <div class="page-head">
        <h1>Controls</h1>
        <p class="muted">What AWS cannot do for a test: move meterd&apos;s clock, inject faults, change quotas, rotate signing keys.</p>
      </div>
      <div class="grid">
        <ClockCard />
        <QuotasCard />
        <FaultsCard />
        <KeysCard />
      </div>
    </>
  )
}

function ClockCard() {
  const { admin, timeZone } = useConsole()
  const clock = useLoad(() => admin.clock(), [], 1000)
  const action = useAction()
  const [shown, setShown] = useState<ClockView | undefined>()
  const view = clock.data ?? shown
  const act = (run: () => Promise<ClockView>, note: string) =>
    void action.run(async () => {
      setShown(await run())
      clock.reload()
    }, note)
  return (
    <Card title="Virtual clock" id="clock">
      <p class="muted small">
        meterd&apos;s &ldquo;now&rdquo; for metering rules: time windows, hour buckets, license periods, token lifetimes. SigV4 keeps real
        time, as on AWS.
      </p>
      {view && (
        <dl class="facts" data-testid="clock">
          <dt>Mode</dt>
          <dd data-testid="clock-mode">
            {view.mode === 'real' ? (
              <Badge tone="good">real time</Badge>
            ) : view.mode === 'frozen' ? (
              <Badge tone="warn">frozen</Badge>
            ) : (
              <Badge tone="info">running, shifted</Badge>
            )}
          </dd>
          <dt>Metering now</dt>
          <dd>
            <time dateTime={view.now} data-testid="clock-now" class="big-time">
              {formatInstant(view.nowMs, timeZone)}
            </time>
          </dd>
          <dt>From real time</dt>
          <dd data-testid="clock-offset">
            {view.mode === 'real' ? '—' : `${formatDuration(view.offsetMs)} ${view.offsetMs < 0 ? 'behind' : 'ahead'}`}
          </dd>
        </dl>
      )}
      <div class="button-row">
        <button
          type="button"
          class="button"
          disabled={action.busy || view?.mode === 'frozen'}
          onClick={() => act(() => admin.freezeClock(), 'Frozen.')}
        >
          Freeze
        </button>
        <button
          type="button"
          class="button"
          disabled={action.busy || view?.mode !== 'frozen'}
          onClick={() => act(() => admin.resumeClock(), 'Running again.')}
        >
          Resume
        </button>
        <button
          type="button"
          class="button"
          disabled={action.busy || view?.mode === 'real'}
          onClick={() => act(() => admin.resetClock(), 'Back to real time.')}
        >
          Reset to real time
        </button>
      </div>
      <form
        class="form inline-form"
        aria-label="Set the clock"
        onSubmit={(e) => {
          e.preventDefault()
          const value = formValue(new FormData(e.currentTarget), 'at')
          const ms = value ? fromDateTimeLocal(value, timeZone) : undefined
          if (ms === undefined) return
          act(() => admin.setClock(new Date(ms).toISOString()), `Set to ${formatInstant(ms, timeZone)} (${timeZone}).`)
        }}
      >
        <Field label={`Set to (${timeZone})`}>
          <input
            name="at"
            type="datetime-local"
            step="1"
            required
            defaultValue={view ? toDateTimeLocal(view.nowMs, timeZone) : undefined}
          />
        </Field>
        <div class="form-buttons">
          <button type="submit" class="button primary" disabled={action.busy}>
            Set clock
          </button>
        </div>
      </form>
      <div class="button-row" role="group" aria-label="Advance the clock">
        <span class="muted small">Advance</span>
        {ADVANCE_PRESETS.map((preset) => (
          <button
            type="button"
            key={preset}
            class="button small"
            aria-label={`Advance the clock by ${preset}`}
            disabled={action.busy}
            onClick={() => act(() => admin.advanceClock(preset.replace('+', '')), `Moved by ${preset}.`)}
          >
            {preset}
          </button>
        ))}
      </div>
      <form
        class="form inline-form"
        aria-label="Advance the clock by a duration"
        onSubmit={(e) => {
          e.preventDefault()
          const by = formValue(new FormData(e.currentTarget), 'by')
          if (by) act(() => admin.advanceClock(by), `Moved by ${by}.`)
        }}
      >
        <Field label="Advance by" hint="e.g. 90m, 2h, -30s, or seconds">
          <input name="by" spellcheck={false} />
        </Field>
        <div class="form-buttons">
          <button type="submit" class="button" disabled={action.busy}>
            Advance
          </button>
        </div>
      </form>
      <ErrorNote message={action.error ?? clock.error} />
      <SuccessNote message={action.note} />
    </Card>
  )
}

type FaultKind = 'error' | 'unprocessed' | 'latency'
type FaultWhen = 'always' | 'probability' | 'times' | 'forSeconds'

function FaultsCard() {
  const { admin } = useConsole()
  const rules = useLoad(() => admin.listFaults(), [], 3000)
  const add = useAction()
  const remove = useAction()
  const [kind, setKind] = useState<FaultKind>('error')
  const [when, setWhen] = useState<FaultWhen>('times')
  const world = useLoad(() => admin.exportWorld(), [])

  const submit = (event: Event) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget as HTMLFormElement)
    const number = (name: string) => (formValue(form, name) === undefined ? undefined : Number(formValue(form, name)))
    const rule: Record<string, unknown> = { operation: formValue(form, 'operation') ?? '*' }
    if (formValue(form, 'productCode')) rule.productCode = formValue(form, 'productCode')
    if (formValue(form, 'accountId')) rule.accountId = formValue(form, 'accountId')
    if (kind === 'error') rule.error = formValue(form, 'error')
    if (kind === 'unprocessed') rule.unprocessedShare = (number('unprocessedPercent') ?? 0) / 100
    if (kind === 'latency') rule.latencyMs = number('latencyMs')
    if (when === 'probability') rule.probability = (number('probabilityPercent') ?? 0) / 100
    if (when === 'times') rule.times = number('times')
    if (when === 'forSeconds') rule.forSeconds = number('forSeconds')
    void add.run(() => admin.addFault(rule), 'Rule added: it applies to the next matching call.').then((ok) => ok && rules.reload())
  }

  return (
    <Card title="Fault rules" id="faults" wide>
      {rules.data && rules.data.rules.length === 0 ? (
        <p class="muted">No fault rules: every call runs normally.</p>
      ) : (
        <ul class="rule-list" data-testid="fault-rules">
          {rules.data?.rules.map((rule) => (
            <li key={rule.id}>
              <span>
                {describeFault(rule)}
                <span class="muted small">
                  {' '}
                  · added <Time iso={rule.createdAt} />
                  {rule.expiresAt && (
                    <>
                      {' '}
                      · ends <Time iso={rule.expiresAt} />
                    </>
                  )}
                </span>
              </span>
              <button
                type="button"
                class="button small danger"
                aria-label={`Remove the rule: ${describeFault(rule)}`}
                disabled={remove.busy}
                onClick={() => void remove.run(() => admin.removeFault(rule.id)).then((ok) => ok && rules.reload())}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorNote message={rules.error ?? remove.error} />
      <form class="form fault-form" aria-label="Add a fault rule" onSubmit={submit}>
        <h3>Add a rule</h3>
        <fieldset class="radio-row">
          <legend>Effect</legend>
          {(
            [
              ['error', 'Answer with an error'],
              ['unprocessed', 'Leave records unprocessed'],
              ['latency', 'Add latency'],
            ] as const
          ).map(([value, label]) => (
            <label class="check" key={value}>
              <input type="radio" name="kind" value={value} checked={kind === value} onChange={() => setKind(value)} /> {label}
            </label>
          ))}
        </fieldset>
        <div class="form-grid">
          <Field label="Operation">
            <select name="operation">
              {kind !== 'unprocessed' && <option value="*">Every operation</option>}
              {(kind === 'unprocessed' ? ['BatchMeterUsage'] : OPERATIONS).map((op) => (
                // `selected`, not the select's defaultValue: Preact sets that before the options exist.
                <option key={op} value={op} selected={op === 'BatchMeterUsage'}>
                  {op}
                </option>
              ))}
            </select>
          </Field>
          {kind === 'error' && (
            <Field label="Error" hint="HTTP 400 or 500, as AWS answers them">
              <select name="error">
                <option value="ThrottlingException">ThrottlingException</option>
                <option value="InternalServiceErrorException">InternalServiceErrorException</option>
              </select>
            </Field>
          )}
          {kind === 'unprocessed' && (
            <Field label="Share of each batch (%)">
              <input name="unprocessedPercent" type="number" min="1" max="100" step="any" defaultValue="20" />
            </Field>
          )}
          {kind === 'latency' && (
            <Field label="Latency (ms)">
              <input name="latencyMs" type="number" min="1" max="60000" step="1" defaultValue="1500" />
            </Field>
          )}
          <Field label="Only product" hint="optional">
            <select name="productCode">
              <option value="">any</option>
              {world.data?.products.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.code}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Only caller account" hint="optional">
            <input name="accountId" inputMode="numeric" placeholder="12 digits" />
          </Field>
          <Field label="Applies">
            <select name="when" value={when} onChange={(e) => setWhen(e.currentTarget.value as FaultWhen)}>
              <option value="times">to the next N calls</option>
              <option value="always">to every call</option>
              <option value="probability">by chance</option>
              <option value="forSeconds">for a time span</option>
            </select>
          </Field>
          {when === 'times' && (
            <Field label="Calls">
              <input name="times" type="number" min="1" step="1" defaultValue="3" />
            </Field>
          )}
          {when === 'probability' && (
            <Field label="Chance (%)">
              <input name="probabilityPercent" type="number" min="1" max="100" step="any" defaultValue="10" />
            </Field>
          )}
          {when === 'forSeconds' && (
            <Field label="Seconds">
              <input name="forSeconds" type="number" min="1" step="any" defaultValue="60" />
            </Field>
          )}
        </div>
        <div class="form-buttons">
          <button type="submit" class="button primary" disabled={add.busy}>
            Add rule
          </button>
          {rules.data && rules.data.rules.length > 1 && (
            <button
              type="button"
              class="button danger"
              onClick={() => void remove.run(() => admin.clearFaults()).then((ok) => ok && rules.reload())}
            >
              Remove all
            </button>
          )}
        </div>
        <ErrorNote message={add.error} />
        <SuccessNote message={add.note} />
      </form>
    </Card>
  )
}

function QuotasCard() {
  const { admin } = useConsole()
  const quotas = useLoad(() => admin.quotas(), [])
  const save = useAction()
  const data = quotas.data
  return (
    <Card title="Request quotas" id="quotas">
      <p class="muted small">
        Token buckets per account, Region and operation, at AWS&apos;s published rates. Past them: ThrottlingException.
      </p>
      {data && (
        <form
          key={JSON.stringify(data)}
          class="form"
          aria-label="Request quotas"
          onSubmit={(e) => {
            e.preventDefault()
            const form = new FormData(e.currentTarget)
            const rates: QuotaView['rates'] = {}
            for (const op of OPERATIONS) {
              const value = formValue(form, op)
              if (value !== undefined) rates[op] = Number(value)
            }
            void save
              .run(() => admin.setQuotas({ enabled: form.get('enabled') === 'on', rates }), 'Quotas saved.')
              .then((ok) => ok && quotas.reload())
          }}
        >
          <label class="check">
            <input type="checkbox" name="enabled" defaultChecked={data.enabled} /> Enforce quotas
          </label>
          <div class="form-grid">
            {OPERATIONS.map((op) => (
              <Field
                key={op}
                label={`${op} (requests/s)`}
                {...(op === 'ResolveCustomer' ? { hint: 'AWS publishes none: empty means unlimited' } : {})}
              >
                <input
                  name={op}
                  type="number"
                  min="0"
                  step="any"
                  defaultValue={data.rates[op] === undefined ? '' : String(data.rates[op])}
                />
              </Field>
            ))}
          </div>
          <div class="form-buttons">
            <button type="submit" class="button primary" disabled={save.busy}>
              Save quotas
            </button>
          </div>
        </form>
      )}
      <ErrorNote message={save.error ?? quotas.error} />
      <SuccessNote message={save.note} />
    </Card>
  )
}

function KeysCard() {
  const { admin } = useConsole()
  const keys = useLoad(() => admin.listKeys(), [])
  const rotate = useAction()
  return (
    <Card
      title="Signing keys"
      id="keys"
      actions={
        <a href="/keys/jwks.json" target="_blank" rel="noopener">
          JWKS
        </a>
      }
    >
      <p class="muted small">
        RegisterUsage signs its answers with these RSA keys. Rotating adds the next version and expires the current one now.
      </p>
      <table class="table compact" data-testid="keys-table">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Public key</th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.keys.map((k) => (
            <tr key={k.version}>
              <td>
                {k.version} {k.expiresAt === null && <Badge tone="good">current</Badge>}
              </td>
              <td>
                <Time iso={k.createdAt} relative={false} />
              </td>
              <td>{k.expiresAt ? <Time iso={k.expiresAt} relative={false} /> : <span class="muted">—</span>}</td>
              <td>
                <a href={`/keys/${k.version}.pem`} target="_blank" rel="noopener">
                  {k.version}.pem
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="button-row">
        <button
          type="button"
          class="button"
          disabled={rotate.busy}
          onClick={() =>
            void rotate.run(() => admin.rotateKeys(), 'Rotated: a new version signs from now on.').then((ok) => ok && keys.reload())
          }
        >
          Rotate keys
        </button>
      </div>
      <ErrorNote message={rotate.error ?? keys.error} />
      <SuccessNote message={rotate.note} />
    </Card>
  )
}
