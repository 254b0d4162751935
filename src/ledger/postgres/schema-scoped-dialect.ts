import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely'

/**
 * PostgreSQL as Kysely speaks it, except that introspection (which the Migrator uses to find its
 * own tables) looks at meterd's schema only. Kysely's own introspector reads every schema of the
 * database and asks has_schema_privilege() for each: in a database shared with others, a schema
 * dropped by someone else during that query fails meterd's start ("schema ... does not exist"),
 * as does a schema the meterd role may not see (kysely-org/kysely#1419, #1537).
 */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  readonly #schema: string

  constructor(config: PostgresDialectConfig, schema: string) {
    super(config)
    this.#schema = schema
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    const schema = this.#schema
    const getSchemas = async (): Promise<SchemaMetadata[]> => {
      const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(
        db,
      )
      return rows
    }
    const getTables = async (): Promise<TableMetadata[]> => {
      const { rows } = await sql<{ name: string; kind: string }>`
        select c.relname as name, c.relkind as kind
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind in ('r', 'v', 'p')`.execute(db)
      return rows.map((r) => ({ name: r.name, isView: r.kind === 'v', columns: [], schema }))
    }
    return {
      getSchemas,
      getTables,
      getMetadata: async (): Promise<DatabaseMetadata> => ({ tables: await getTables() }),
    }
  }
}
