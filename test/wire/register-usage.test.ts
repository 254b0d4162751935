import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type MarketplaceMeteringClient,
  RegisterUsageCommand,
  type RegisterUsageCommandInput,
  type RegisterUsageCommandOutput,
} from '@aws-sdk/client-marketplace-metering'
import { compactVerify, createRemoteJWKSet, decodeProtectedHeader, importJWK, importSPKI, type JWK, jwtVerify } from 'jose'
import { DEMO_LICENSE_ARN, DEMO_WORLD } from '../../src/catalog/demo-world.js'
import type { WorldInput } from '../../src/catalog/world.js'
import { BUYER, errorOf, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'

const NOW = Date.UTC(2026, 10, 22, 12, 30, 15, 250)
const NOW_S = Math.floor(NOW / 1000)
const MINUTE = 60_000
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** A second ECS task of the demo buyer (same account, another resource). */
const TASK_2 = { accessKeyId: 'AKIAMETERDBUYERTASK2', secretAccessKey: 'task-2' }
/** The demo buyer's EC2 instance: RegisterUsage does not support that platform. */
const EC2 = { accessKeyId: 'AKIAMETERDBUYEREC201', secretAccessKey: 'ec2' }
/** A buyer account with no license to anything. */
const STRANGER = { accessKeyId: 'AKIASTRANGERBUYER001', secretAccessKey: 'stranger' }

const WORLD: WorldInput = {
  ...DEMO_WORLD,
  accounts: [
    ...DEMO_WORLD.accounts!.map((a) =>
      a.id !== '222222222222'
        ? a
        : {
            ...a,
            credentials: [
              ...a.credentials!,
              { ...TASK_2, region: 'us-east-1', resourceId: 'task-2', platform: 'ecs' as const },
              { ...EC2, region: 'us-east-1', resourceId: 'i-0ec2', platform: 'ec2' as const },
            ],
          },
    ),
    { id: '555555555555', credentials: [{ ...STRANGER, region: 'us-east-1', resourceId: 'task-stranger', platform: 'eks' as const }] },
  ],
}

const register = (client: MarketplaceMeteringClient, input: Partial<RegisterUsageCommandInput> = {}): Promise<RegisterUsageCommandOutput> =>
  client.send(
    new RegisterUsageCommand({
      ProductCode: 'demo-container',
      PublicKeyVersion: 1,
      Nonce: 'nonce-0001',
      ...input,
    }),
  )

const fetchPem = async (meterd: TestMeterd, version: number): Promise<string> => {
  const response = await fetch(`${meterd.url}/keys/${version}.pem`)
  assert.equal(response.status, 200)
  return response.text()
}

const payloadOf = (jws: string): unknown => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8'))

describe('RegisterUsage signature (clock pinned)', () => {
  let meterd: TestMeterd
  let buyer: MarketplaceMeteringClient
  /** A v1 signature made before any rotation, checked against the v2 key later. */
  let v1Signature: string

  before(async () => {
    meterd = await startMeterd({ world: WORLD, nowMs: NOW })
    buyer = meterd.client(BUYER)
  })
  after(() => meterd.close())

  it('returns a compact JWS with header {alg: PS256, typ: JWT} that verifies with the PEM published at /keys/1.pem', async () => {
    const out = await register(buyer, { Nonce: 'nonce-0001' })
    assert.equal(out.$metadata.httpStatusCode, 200)
    assert.match(out.Signature!, COMPACT_JWS)
    assert.equal(out.PublicKeyRotationTimestamp, undefined)
    v1Signature = out.Signature!

    const key = await importSPKI(await fetchPem(meterd, 1), 'PS256')
    const { protectedHeader, payload } = await compactVerify(out.Signature!, key, { algorithms: ['PS256'] })
    assert.deepEqual(protectedHeader, { alg: 'PS256', typ: 'JWT' })
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), {
      productCode: 'demo-container',
      publicKeyVersion: 1,
      nonce: 'nonce-0001',
      iat: NOW_S,
    })
  })

  it('verifies as a JWT (jwtVerify, PS256 only) with numeric publicKeyVersion and iat', async () => {
    const out = await register(buyer, { Nonce: 'jwt-nonce' })
    const key = await importSPKI(await fetchPem(meterd, 1), 'PS256')
    const { payload, protectedHeader } = await jwtVerify(out.Signature!, key, { algorithms: ['PS256'], currentDate: new Date(NOW) })
    assert.deepEqual(protectedHeader, { alg: 'PS256', typ: 'JWT' })
    assert.equal(payload.productCode, 'demo-container')
    assert.equal(payload.publicKeyVersion, 1)
    assert.equal(payload.nonce, 'jwt-nonce')
    assert.equal(payload.iat, NOW_S)
    // An RS256 verifier must not accept it: the algorithm is RSA-PSS.
    const rs256 = await errorOf(() => jwtVerify(out.Signature!, key, { algorithms: ['RS256'] }))
    assert.equal((rs256 as { code?: string }).code, 'ERR_JOSE_ALG_NOT_ALLOWED')
  })

  it('verifies with the JWKS at /keys/jwks.json, both remotely fetched and as the imported kid "1" entry', async () => {
    const out = await register(buyer, { Nonce: 'jwks-nonce' })
    const remote = createRemoteJWKSet(new URL(`${meterd.url}/keys/jwks.json`))
    const viaRemote = await jwtVerify(out.Signature!, remote, { algorithms: ['PS256'] })
    assert.equal(viaRemote.payload.nonce, 'jwks-nonce')

    const jwks = (await (await fetch(`${meterd.url}/keys/jwks.json`)).json()) as { keys: JWK[] }
    const entry = jwks.keys.find((k) => k.kid === '1')
    assert.ok(entry, 'JWKS has kid "1"')
    const viaJwk = await compactVerify(out.Signature!, await importJWK(entry, 'PS256'))
    assert.deepEqual(viaJwk.protectedHeader, { alg: 'PS256', typ: 'JWT' })
  })

  it('echoes an omitted Nonce as the empty string claim', async () => {
    const out = await buyer.send(new RegisterUsageCommand({ ProductCode: 'demo-container', PublicKeyVersion: 1 }))
    const key = await importSPKI(await fetchPem(meterd, 1), 'PS256')
    const { payload } = await compactVerify(out.Signature!, key)
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), {
      productCode: 'demo-container',
      publicKeyVersion: 1,
      nonce: '',
      iat: NOW_S,
    })
  })

  it("issues iat from meterd's clock: ten minutes later the claim moved by 600 seconds", async () => {
    meterd.clock!.advance(10 * MINUTE)
    const out = await register(buyer, { Nonce: 'later' })
    assert.equal((payloadOf(out.Signature!) as { iat: number }).iat, NOW_S + 600)
  })

  it('after POST /admin/keys/rotate publishes version 2 and marks version 1 expired at the rotation instant', async () => {
    meterd.clock!.set(NOW + 20 * MINUTE)
    const rotated = await meterd.admin('POST', '/keys/rotate')
    assert.equal(rotated.status, 201)
    assert.deepEqual(
      rotated.body.keys.map((k: { version: number; expiresAt: string | null }) => [k.version, k.expiresAt]),
      [
        [1, new Date(NOW + 20 * MINUTE).toISOString()],
        [2, null],
      ],
    )
    const listed = await meterd.admin('GET', '/keys')
    assert.equal(listed.status, 200)
    assert.deepEqual(listed.body, rotated.body)
    assert.deepEqual(Object.keys(listed.body.keys[0]).sort(), ['createdAt', 'expiresAt', 'publicKeyPem', 'version'])
    assert.equal(listed.body.keys[1].publicKeyPem, await fetchPem(meterd, 2))
  })

  it('does not verify a version-1 signature with the version-2 key', async () => {
    const v2 = await importSPKI(await fetchPem(meterd, 2), 'PS256')
    const e = await errorOf(() => compactVerify(v1Signature, v2))
    assert.equal((e as { code?: string }).code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
    assert.equal(e.message, 'signature verification failed')
  })

  it('still signs with an expired version 1, adding PublicKeyRotationTimestamp = the expiry GET /admin/keys reports', async () => {
    meterd.clock!.set(NOW + 30 * MINUTE)
    const out = await register(buyer, { PublicKeyVersion: 1, Nonce: 'after-rotation' })
    const { body } = await meterd.admin('GET', '/keys')
    const v1 = body.keys.find((k: { version: number }) => k.version === 1)
    assert.ok(out.PublicKeyRotationTimestamp instanceof Date)
    assert.equal(out.PublicKeyRotationTimestamp.toISOString(), v1.expiresAt)
    assert.equal(out.PublicKeyRotationTimestamp.getTime(), NOW + 20 * MINUTE)
    const { payload } = await compactVerify(out.Signature!, await importSPKI(await fetchPem(meterd, 1), 'PS256'))
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), {
      productCode: 'demo-container',
      publicKeyVersion: 1,
      nonce: 'after-rotation',
      iat: Math.floor((NOW + 30 * MINUTE) / 1000),
    })
  })

  it('signs with version 2 when asked, without PublicKeyRotationTimestamp, verifiable only with the v2 key', async () => {
    const out = await register(buyer, { PublicKeyVersion: 2, Nonce: 'v2' })
    assert.equal(out.PublicKeyRotationTimestamp, undefined)
    assert.equal(decodeProtectedHeader(out.Signature!).alg, 'PS256')
    const { payload } = await compactVerify(out.Signature!, await importSPKI(await fetchPem(meterd, 2), 'PS256'))
    assert.equal(JSON.parse(new TextDecoder().decode(payload)).publicKeyVersion, 2)
    const v1 = await importSPKI(await fetchPem(meterd, 1), 'PS256')
    const wrongKey = await errorOf(() => compactVerify(out.Signature!, v1))
    assert.equal((wrongKey as { code?: string }).code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
  })

  it('publishes both versions in the JWKS after the rotation', async () => {
    const jwks = (await (await fetch(`${meterd.url}/keys/jwks.json`)).json()) as { keys: JWK[] }
    assert.deepEqual(
      jwks.keys.map((k) => [k.kid, k.alg, k.kty]),
      [
        ['1', 'PS256', 'RSA'],
        ['2', 'PS256', 'RSA'],
      ],
    )
  })

  it('answers InvalidPublicKeyVersionException for a version that does not exist', async () => {
    const e = await errorOf(() => register(buyer, { PublicKeyVersion: 99 }))
    assert.equal(e.name, 'InvalidPublicKeyVersionException')
    assert.equal(e.message, 'Public Key version is invalid.')
    assert.equal(e.$metadata?.httpStatusCode, 400)
  })

  it('answers ValidationException for PublicKeyVersion 0 (VersionInteger has min 1)', async () => {
    const e = await errorOf(() => register(buyer, { PublicKeyVersion: 0 }))
    assert.equal(e.name, 'ValidationException')
    assert.equal(
      e.message,
      "1 validation error detected: Value '0' at 'publicKeyVersion' failed to satisfy constraint: Member must have value greater than or equal to 1",
    )
  })
})

describe('RegisterUsage errors', () => {
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd({ world: WORLD, nowMs: NOW })
  })
  after(() => meterd.close())

  it('answers InvalidProductCodeException for SaaS, AMI and unknown products', async () => {
    for (const ProductCode of ['demo-saas', 'demo-ami', 'no-such-product']) {
      const e = await errorOf(() => register(meterd.client(BUYER), { ProductCode }))
      assert.equal(e.name, 'InvalidProductCodeException', ProductCode)
      assert.equal(e.message, 'The product code passed does not match the product code used for publishing the product.')
      assert.equal(e.$metadata?.httpStatusCode, 400)
    }
  })

  it('answers InvalidRegionException when called in another Region than the task runs in', async () => {
    const e = await errorOf(() => register(meterd.client(BUYER, 'eu-west-1')))
    assert.equal(e.name, 'InvalidRegionException')
    assert.equal(e.message, 'RegisterUsage must be called in the same AWS Region the ECS task was launched in (us-east-1), not eu-west-1.')
  })

  it('answers PlatformNotSupportedException to an EC2 instance', async () => {
    const e = await errorOf(() => register(meterd.client(EC2)))
    assert.equal(e.name, 'PlatformNotSupportedException')
    assert.equal(
      e.message,
      'AWS Marketplace does not support metering usage from the underlying platform (ec2). Currently, Amazon ECS, Amazon EKS, and Fargate are supported.',
    )
  })

  it('answers CustomerNotEntitledException to a buyer account without a license', async () => {
    const e = await errorOf(() => register(meterd.client(STRANGER)))
    assert.equal(e.name, 'CustomerNotEntitledException')
    assert.equal(e.message, 'The customer does not have a valid subscription for the product demo-container.')
    assert.equal(e.$metadata?.httpStatusCode, 400)
  })

  it('entitles that buyer once it subscribes through the admin API', async () => {
    const sub = await meterd.admin('POST', '/subscriptions', { productCode: 'demo-container', accountId: '555555555555' })
    assert.equal(sub.status, 201)
    const out = await register(meterd.client(STRANGER), { Nonce: 'subscribed' })
    assert.equal((payloadOf(out.Signature!) as { nonce: string }).nonce, 'subscribed')
  })

  it('lets the publishing seller call in preview mode without a license', async () => {
    const out = await register(meterd.client(SELLER), { Nonce: 'preview' })
    assert.deepEqual(payloadOf(out.Signature!), { productCode: 'demo-container', publicKeyVersion: 1, nonce: 'preview', iat: NOW_S })
    const { payload } = await compactVerify(out.Signature!, await importSPKI(await fetchPem(meterd, 1), 'PS256'))
    assert.equal(JSON.parse(new TextDecoder().decode(payload)).productCode, 'demo-container')
  })
})

describe('RegisterUsage entitlement is checked on the first call per resource only (clock pinned)', () => {
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd({ world: WORLD, nowMs: NOW })
  })
  after(() => meterd.close())

  it('keeps signing for a registered task after the license ends, and refuses a new task of the same account', async () => {
    const buyer = meterd.client(BUYER)
    const first = await register(buyer, { Nonce: 'first' })
    assert.match(first.Signature!, COMPACT_JWS)

    meterd.clock!.advance(5 * MINUTE)
    const ended = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-container', accountId: '222222222222' })
    assert.equal(ended.status, 200)
    assert.deepEqual(ended.body.endedLicenses, [{ licenseArn: DEMO_LICENSE_ARN, end: new Date(NOW + 5 * MINUTE).toISOString() }])
    assert.deepEqual(
      [ended.body.agreement.agreementId, ended.body.agreement.status, ended.body.agreement.endingAs],
      ['agmt-demo-container-1', 'unsubscribe-pending', 'cancelled'],
    )

    meterd.clock!.advance(5 * MINUTE)
    const again = await register(buyer, { Nonce: 'second' })
    assert.deepEqual(payloadOf(again.Signature!), {
      productCode: 'demo-container',
      publicKeyVersion: 1,
      nonce: 'second',
      iat: Math.floor((NOW + 10 * MINUTE) / 1000),
    })

    const e = await errorOf(() => register(meterd.client(TASK_2), { Nonce: 'new-task' }))
    assert.equal(e.name, 'CustomerNotEntitledException')
    assert.equal(e.message, 'The customer does not have a valid subscription for the product demo-container.')
  })
})
