/** What the bench scripts read from the environment, read the same way in each. */

/** A positive number from the environment, or `fallback`; anything else stops the bench. */
export function positiveEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}

/** The PostgreSQL the bench uses (BENCH_PG). */
export const PG_URL = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test'

/** PG_URL with `schema` as the connection's search_path: each run works in a schema of its own. */
export const schemaUrl = (schema: string) =>
  `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
