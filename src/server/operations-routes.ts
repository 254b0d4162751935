import type { FastifyInstance } from 'fastify'
import type { Ledger } from '../ledger/ledger.js'
import type { Metrics } from '../observability/metrics.js'

/** Liveness, readiness (the ledger answers), Prometheus metrics and the admin API's OpenAPI document. */
export async function operationsRoutes(
  app: FastifyInstance,
  options: { ledger: Ledger; metrics: Metrics; openapi: () => object },
): Promise<void> {
  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/ready', async (_request, reply) => {
    try {
      await options.ledger.loadControl('readiness-probe')
      return { status: 'ready' }
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', message: (error as Error).message })
    }
  })
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  )
  app.get('/openapi.json', async () => options.openapi())
}
