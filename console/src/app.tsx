import { useCallback, useMemo, useState } from 'preact/hooks'
import { adminClientFor, isUnauthorized } from './admin.js'
import { type ConsoleContext, ConsoleContextValue } from './console-context.js'
import { describeTimeZone } from './format.js'
import { Login } from './login.js'
import { NAVIGATION, pageFor } from './navigation.js'
import { hrefFor, useRoute } from './router.js'
import { browserTimeZone, forgetToken, savedTimeZone, savedToken, saveTimeZone, saveToken } from './session.js'

const TIME_ZONES = (() => {
  const zones = new Set(['UTC', browserTimeZone()])
  try {
    for (const zone of Intl.supportedValuesOf('timeZone')) zones.add(zone)
  } catch {
    // Older browsers: UTC and the browser's own zone only.
  }
  return [...zones]
})()

export function App() {
  const [token, setToken] = useState(savedToken)
  const [notice, setNotice] = useState<string | undefined>()
  const [timeZone, setTimeZone] = useState(savedTimeZone)
  const route = useRoute()

  const signOut = useCallback((why?: string) => {
    forgetToken()
    setToken(null)
    setNotice(why)
  }, [])
  const onUnauthorized = useCallback(
    (error: unknown) => {
      if (!isUnauthorized(error)) return false
      signOut('meterd no longer accepts the token this tab signed in with (its admin token changed?). Sign in again.')
      return true
    },
    [signOut],
  )
  const context = useMemo<ConsoleContext | undefined>(
    () => (token ? { admin: adminClientFor(token), timeZone, onUnauthorized } : undefined),
    [token, timeZone, onUnauthorized],
  )

  if (!context)
    return (
      <Login
        notice={notice}
        onSignedIn={(t) => {
          saveToken(t)
          setNotice(undefined)
          setToken(t)
        }}
      />
    )

  const page = pageFor(route.page)
  return (
    <ConsoleContextValue.Provider value={context}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="layout">
        <header class="topbar">
          <a class="brand" href={hrefFor('overview')}>
            <span class="brand-mark" aria-hidden="true" /> meterd console
          </a>
          <div class="topbar-tools">
            <label class="inline-field">
              <span>Time zone</span>
              <select
                name="timeZone"
                value={timeZone}
                onChange={(e) => {
                  const zone = e.currentTarget.value
                  saveTimeZone(zone)
                  setTimeZone(zone)
                }}
                title={describeTimeZone(timeZone, Date.now())}
              >
                {TIME_ZONES.map((zone) => (
                  <option key={zone} value={zone}>
                    {zone}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" class="button" onClick={() => signOut('Signed out.')}>
              Sign out
            </button>
          </div>
        </header>
        <nav class="sidebar" aria-label="Console pages">
          <ul>
            {NAVIGATION.map((item) =>
              item.page ? (
                <li key={item.id}>
                  <a href={hrefFor(item.id)} aria-current={item.id === page.id ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ) : (
                <li key={item.id} class="nav-later" title={item.later}>
                  <span>{item.label}</span>
                  <span class="nav-later-note">{item.later}</span>
                </li>
              ),
            )}
          </ul>
          <p class="sidebar-foot">
            <a href="/openapi.json">Admin API (OpenAPI)</a>
          </p>
        </nav>
        <main id="main" class="content" tabIndex={-1}>
          <page.page params={route.params} />
        </main>
      </div>
    </ConsoleContextValue.Provider>
  )
}
