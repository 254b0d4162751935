import { useEffect, useState } from 'preact/hooks'

/**
 * Pages live in the URL's fragment (`#/records?status=Success`): meterd serves one HTML file, and
 * a reload, a bookmark or the back button lands on the same page with the same filters.
 */
export interface Route {
  page: string
  params: URLSearchParams
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '')
  const [page = '', query = ''] = hash.split('?', 2)
  return { page: page || 'overview', params: new URLSearchParams(query) }
}

export function hrefFor(page: string, params?: Record<string, string | undefined> | URLSearchParams): string {
  const query =
    params instanceof URLSearchParams
      ? params
      : new URLSearchParams(Object.entries(params ?? {}).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''))
  const text = query.toString()
  return `#/${page}${text ? `?${text}` : ''}`
}

export function navigate(page: string, params?: Record<string, string | undefined> | URLSearchParams): void {
  location.hash = hrefFor(page, params)
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute)
  useEffect(() => {
    const update = () => setRoute(currentRoute())
    addEventListener('hashchange', update)
    return () => removeEventListener('hashchange', update)
  }, [])
  return route
}
