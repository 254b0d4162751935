import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, MeterUsageCommand } from '@aws-sdk/client-marketplace-metering'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { AdminClient } from '../../src/admin/admin-client.js'
import { BUYER, CUSTOMER, errorOf, hourAgo, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, eventually } from './support.js'

const UNAUTHORIZED = { error: 'Unauthorized', message: 'missing or wrong admin token: send Authorization: Bearer <token>' }

interface OpenApi {
  openapi: string
  components: { securitySchemes: Record<string, { type: string; scheme: string }> }
  security: unknown[]
  paths: Record<
    string,
    Record<
      string,
      {
        tags: string[]
        summary: string
        parameters: { name: string; in: string; required: boolean }[]
        requestBody?: { content: { 'application/json': { schema: { properties?: Record<string, unknown> } } } }
        responses: Record<string, unknown>
      }
    >
  >
}

/** Every admin route of the OpenAPI document, with made-up values in its path parameters. */
const routesOf = (doc: OpenApi) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path: path.replace(/\{(\w+)\}/g, 'x-$1'),
      op,
    })),
  )

describe('operations endpoints and admin API protection', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  let doc: OpenApi

  before(async () => {
    meterd = await startMeterd()
    admin = adminOf(meterd)
    doc = (await (await fetch(`${meterd.url}/openapi.json`)).json()) as OpenApi
  })
  after(() => meterd.close())

  it('answers GET /health with {status: ok} and GET /ready with {status: ready}, without a token', async () => {
    const health = await fetch(`${meterd.url}/health`)
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok' })
    const ready = await fetch(`${meterd.url}/ready`)
    assert.equal(ready.status, 200)
    assert.deepEqual(await ready.json(), { status: 'ready' })
  })

  it('exposes Prometheus metrics: requests by operation and outcome, latency, records by status, ledger size and commit sizes', async () => {
    const buyer = meterd.client({ ...BUYER })
    for (let i = 1; i <= 3; i++) {
      await buyer.send(new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: hourAgo(i), UsageDimension: 'hosts', UsageQuantity: 1 }))
    }
    assert.equal(
      (
        await errorOf(() =>
          buyer.send(new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: hourAgo(1), UsageDimension: 'nope', UsageQuantity: 1 })),
        )
      ).name,
      'InvalidUsageDimensionException',
    )
    const seller = meterd.client({ ...SELLER })
    const records = [1, 2].map((h) => ({ Timestamp: hourAgo(h), CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 1 }))
    await seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: records }))
    // The same hours with other quantities: two DuplicateRecord results, stored as such.
    await seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: records.map((r) => ({ ...r, Quantity: 2 })) }))

    const scrape = async () => {
      const response = await fetch(`${meterd.url}/metrics`)
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/)
      return response.text()
    }
    const text = await eventually(scrape, (t) => t.includes('meterd_aws_requests_total{operation="BatchMeterUsage",outcome="Success"} 2'))
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `))
      assert.ok(line, `no series ${series} in\n${text}`)
      return Number(line.slice(series.length + 1))
    }
    assert.equal(value('meterd_aws_requests_total{operation="MeterUsage",outcome="Success"}'), 3)
    assert.equal(value('meterd_aws_requests_total{operation="MeterUsage",outcome="InvalidUsageDimensionException"}'), 1)
    assert.equal(value('meterd_aws_requests_total{operation="BatchMeterUsage",outcome="Success"}'), 2)
    assert.equal(value('meterd_usage_records_total{status="Success"}'), 5) // 3 MeterUsage + 2 BatchMeterUsage records
    assert.equal(value('meterd_usage_records_total{status="DuplicateRecord"}'), 2)
    assert.equal(value('meterd_ledger_records'), 7) // the duplicates are kept in the ledger
    assert.equal(value('meterd_aws_request_duration_seconds_count{operation="MeterUsage"}'), 4)
    assert.equal(value('meterd_aws_request_duration_seconds_bucket{le="+Inf",operation="MeterUsage"}'), 4)
    assert.ok(value('meterd_ledger_commit_batch_size_count') >= 1)
    assert.ok(value('meterd_ledger_commit_batch_size_sum') >= value('meterd_ledger_commit_batch_size_count'))
    assert.match(text, /^# TYPE meterd_aws_request_duration_seconds histogram$/m)
  })

  it('serves an OpenAPI 3.1 document of the admin API at GET /openapi.json, with bearer security', () => {
    assert.equal(doc.openapi, '3.1.0')
    assert.deepEqual(doc.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } })
    assert.deepEqual(doc.security, [{ bearer: [] }])
    for (const path of [
      '/admin/records',
      '/admin/records/export',
      '/admin/usage',
      '/admin/audit',
      '/admin/audit/export',
      '/admin/faults',
      '/admin/faults/{id}',
      '/admin/clock',
      '/admin/clock/advance',
      '/admin/quotas',
      '/admin/world',
      '/admin/accounts/{key}',
      '/admin/licenses/{arn}/{product}/end',
      '/admin/products/{key}/dimensions/{name}',
      '/admin/overview',
    ]) {
      assert.ok(doc.paths[path], `no ${path} in the OpenAPI document`)
    }
    assert.deepEqual(Object.keys(doc.paths['/admin/faults']!).sort(), ['delete', 'get', 'post'])
    const records = doc.paths['/admin/records']!.get!
    assert.deepEqual(records.parameters.map((p) => p.name).sort(), [
      'cursor',
      'customerAccountId',
      'customerIdentifier',
      'dimension',
      'from',
      'limit',
      'operation',
      'order',
      'productCode',
      'status',
      'tagKey',
      'tagValue',
      'to',
    ])
    assert.ok(records.parameters.every((p) => p.in === 'query' && p.required === false))
    assert.deepEqual(
      doc.paths['/admin/overview']!.get!.parameters.map((p) => p.name),
      ['timeZone', 'minutes', 'recent'],
    )
    assert.deepEqual(Object.keys(doc.paths['/admin/clock/advance']!.post!.requestBody!.content['application/json'].schema.properties!), [
      'by',
    ])
    assert.deepEqual(Object.keys(doc.paths['/admin/faults']!.post!.responses), ['201', '4XX'])
    assert.deepEqual(doc.paths['/admin/faults/{id}']!.delete!.parameters, [
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
    ])
  })

  it('answers 401 Unauthorized JSON on every admin route without a token, with a wrong one, and with a bare one', async () => {
    const routes = routesOf(doc)
    assert.ok(routes.length >= 35, `only ${routes.length} routes`)
    for (const { method, path } of routes) {
      for (const authorization of [undefined, 'Bearer wrong', meterd.server.adminToken, `Basic ${meterd.server.adminToken}`]) {
        const response = await fetch(`${meterd.url}${path}`, {
          method,
          headers: {
            ...(authorization ? { authorization } : {}),
            ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }),
          },
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
        })
        assert.equal(response.status, 401, `${method} ${path} with ${authorization}`)
        assert.deepEqual(await response.json(), UNAUTHORIZED)
      }
    }
    assert.deepEqual((await admin.listFaults()).rules, [])
  })

  it('never lets AWS SigV4 credentials in: a signed request to /admin/ is 401 and changes nothing', async () => {
    const endpoint = new URL(meterd.url)
    for (const credentials of [SELLER, BUYER]) {
      const signer = new SignatureV4({
        credentials: { ...credentials },
        region: 'us-east-1',
        service: 'aws-marketplace',
        sha256: Hash.bind(null, 'sha256'),
      })
      for (const [method, path, body] of [
        ['GET', '/admin/world', undefined],
        ['POST', '/admin/faults', '{"operation":"*","error":"ThrottlingException"}'],
      ] as const) {
        const signed = await signer.sign({
          method,
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: Number(endpoint.port),
          path,
          query: {},
          headers: { host: endpoint.host, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body } : {}),
        })
        const { host: _host, ...headers } = signed.headers
        assert.match(headers.authorization!, /^AWS4-HMAC-SHA256 Credential=/)
        const response = await fetch(`${meterd.url}${path}`, { method, headers, ...(body ? { body } : {}) })
        assert.equal(response.status, 401, `${method} ${path}`)
        assert.deepEqual(await response.json(), UNAUTHORIZED)
      }
    }
    assert.deepEqual((await admin.listFaults()).rules, [])
  })

  it('answers an unknown admin route with 404 NotFound JSON (and 401 without a token)', async () => {
    const found = await meterd.admin('GET', '/nope')
    assert.deepEqual(found, { status: 404, body: { error: 'NotFound', message: 'no admin route GET /admin/nope' } })
    assert.deepEqual(await meterd.admin('PATCH', '/faults'), {
      status: 404,
      body: { error: 'NotFound', message: 'no admin route PATCH /admin/faults' },
    })
    const anonymous = await fetch(`${meterd.url}/admin/nope`)
    assert.equal(anonymous.status, 401)
  })

  it('answers 400 BadRequest JSON naming the field to every admin route given an unknown body field or query parameter', async () => {
    let checked = 0
    for (const { method, path, op } of routesOf(doc)) {
      const hasQuery = op.parameters.some((p) => p.in === 'query')
      if (!op.requestBody && !hasQuery) continue
      const response = op.requestBody
        ? await fetch(`${meterd.url}${path}`, {
            method,
            headers: { authorization: `Bearer ${meterd.server.adminToken}`, 'content-type': 'application/json' },
            body: '{"zzz":1}',
          })
        : await fetch(`${meterd.url}${path}?zzz=1`, { method, headers: { authorization: `Bearer ${meterd.server.adminToken}` } })
      const body = (await response.json()) as { error: string; message: string }
      assert.equal(response.status, 400, `${method} ${path}: ${JSON.stringify(body)}`)
      assert.equal(body.error, 'BadRequest', `${method} ${path}`)
      assert.match(body.message, /zzz/, `${method} ${path}: ${body.message}`)
      checked++
    }
    assert.ok(checked >= 20, `only ${checked} routes take input`)
  })

  it('answers 400 BadRequest JSON to a body that is not JSON, or not an object', async () => {
    const post = (body: string) =>
      fetch(`${meterd.url}/admin/faults`, {
        method: 'POST',
        headers: { authorization: `Bearer ${meterd.server.adminToken}`, 'content-type': 'application/json' },
        body,
      })
    const broken = await post('{"operation":')
    assert.equal(broken.status, 400)
    const brokenBody = (await broken.json()) as { error: string; message: string }
    assert.equal(brokenBody.error, 'BadRequest')
    assert.match(brokenBody.message, /JSON/)
    const list = await post('[1,2]')
    assert.equal(list.status, 400)
    assert.deepEqual(await list.json(), { error: 'BadRequest', message: 'body: Invalid input: expected object, received array' })
    assert.deepEqual((await admin.listFaults()).rules, [])
  })
})
