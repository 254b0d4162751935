import { useConsole } from './console-context.js'
import { fromDateTimeLocal, toDateTimeLocal } from './format.js'
import { Field } from './ui.js'

export interface FilterSpec {
  name: string
  label: string
  kind: 'text' | 'select' | 'datetime' | 'checkbox'
  options?: readonly (string | readonly [value: string, label: string])[]
  placeholder?: string
  hint?: string
}

/**
 * A filter form whose values live in the page's URL: submitting it navigates, so a filtered view
 * can be bookmarked, reloaded and gone back to. Date-times are entered in the console's time zone
 * and travel as ISO-8601 instants, as the admin API takes them.
 */
export function FilterForm(props: {
  label: string
  specs: readonly FilterSpec[]
  params: URLSearchParams
  onApply: (params: Record<string, string | undefined>) => void
}) {
  const { timeZone } = useConsole()
  const submit = (event: Event) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget as HTMLFormElement)
    const values: Record<string, string | undefined> = {}
    for (const spec of props.specs) {
      const raw = form.get(spec.name)
      const text = typeof raw === 'string' ? raw.trim() : ''
      if (spec.kind === 'checkbox') values[spec.name] = raw ? 'true' : undefined
      else if (spec.kind === 'datetime') {
        const ms = text ? fromDateTimeLocal(text, timeZone) : undefined
        values[spec.name] = ms === undefined ? undefined : new Date(ms).toISOString()
      } else values[spec.name] = text || undefined
    }
    props.onApply(values)
  }
  return (
    <form class="filters" aria-label={props.label} onSubmit={submit} onReset={() => props.onApply({})}>
      {props.specs.map((spec) => {
        const value = props.params.get(spec.name) ?? ''
        if (spec.kind === 'checkbox')
          return (
            <label class="check" key={spec.name}>
              <input type="checkbox" name={spec.name} value="true" checked={value === 'true'} /> {spec.label}
            </label>
          )
        return (
          <Field label={spec.label} key={spec.name} {...(spec.hint ? { hint: spec.hint } : {})}>
            {spec.kind === 'select' ? (
              <select name={spec.name} value={value}>
                <option value="">Any</option>
                {(spec.options ?? []).map((o) => {
                  const [v, l] = typeof o === 'string' ? [o, o] : o
                  return (
                    <option key={v} value={v}>
                      {l}
                    </option>
                  )
                })}
              </select>
            ) : spec.kind === 'datetime' ? (
              <input
                type="datetime-local"
                step="1"
                name={spec.name}
                value={value && Number.isFinite(Date.parse(value)) ? toDateTimeLocal(Date.parse(value), timeZone) : ''}
              />
            ) : (
              <input type="text" name={spec.name} value={value} placeholder={spec.placeholder} spellcheck={false} />
            )}
          </Field>
        )
      })}
      <div class="filter-buttons">
        <button type="submit" class="button primary">
          Apply filters
        </button>
        <button type="reset" class="button">
          Clear
        </button>
      </div>
    </form>
  )
}

/** The filters of the URL that the admin API knows (the rest, such as the page's own state, left out). */
export function apiQuery(params: URLSearchParams, names: readonly string[]): Record<string, string> {
  const query: Record<string, string> = {}
  for (const name of names) {
    const value = params.get(name)
    if (value) query[name] = value
  }
  return query
}
