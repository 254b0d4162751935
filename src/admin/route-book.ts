import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { formatIssues } from '../catalog/world.js'

/** An admin error: HTTP status, stable code, message. */
export class AdminError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Fastify path under /admin, e.g. `/faults/:id`. */
  url: string
  tag: string
  summary: string
  body?: B
  query?: Q
  /** Status of a successful answer (default 200). */
  status?: number
  /** Set when the answer is not JSON (e.g. a CSV export). */
  produces?: string
}

export interface RouteInput<B, Q> {
  body: B
  query: Q
  params: Record<string, string>
  request: FastifyRequest
  reply: FastifyReply
}

/**
 * Registers admin routes with zod-checked bodies and queries, and keeps their description so the
 * OpenAPI document is generated from the very schemas that validate requests.
 */
export class RouteBook {
  readonly #routes: RouteSpec[] = []

  add<B extends z.ZodType, Q extends z.ZodType>(
    app: FastifyInstance,
    spec: RouteSpec<B, Q>,
    handler: (input: RouteInput<z.output<B>, z.output<Q>>) => Promise<unknown>,
  ): void {
    this.#routes.push(spec)
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const body = spec.body ? parse(spec.body, request.body ?? {}, 'body') : undefined
        const query = spec.query ? parse(spec.query, request.query ?? {}, 'query') : undefined
        const result = await handler({ body, query, params: request.params as Record<string, string>, request, reply } as RouteInput<
          z.output<B>,
          z.output<Q>
        >)
        if (reply.sent) return reply
        return reply.code(spec.status ?? 200).send(result)
      },
    })
  }

  openapi(info: { title: string; version: string }): object {
    const paths: Record<string, Record<string, object>> = {}
    for (const r of this.#routes) {
      const path = `/admin${r.url.replace(/:(\w+)/g, '{$1}')}`
      const params = [...r.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }))
      const query = r.query ? queryParameters(r.query) : []
      paths[path] ??= {}
      paths[path][r.method.toLowerCase()] = {
        tags: [r.tag],
        summary: r.summary,
        parameters: [...params, ...query],
        ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
        responses: {
          [String(r.status ?? 200)]: { description: 'success', content: { [r.produces ?? 'application/json']: {} } },
          '4XX': { description: 'error', content: { 'application/json': { schema: ERROR_SCHEMA } } },
        },
      }
    }
    return {
      openapi: '3.1.0',
      info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      paths,
    }
  }
}

const ERROR_SCHEMA = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
}

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

function queryParameters(schema: z.ZodType): object[] {
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, object>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: s,
  }))
}

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value)
  if (!result.success) {
    throw new AdminError(
      400,
      'BadRequest',
      formatIssues(result.error.issues.map((i) => ({ ...i, path: i.path.length ? i.path : [where] }))),
    )
  }
  return result.data
}
