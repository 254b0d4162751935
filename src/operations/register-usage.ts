import { registrationKey } from '../domain/registration.js'
import { isAccountEntitled } from '../domain/entitlement.js'
import { AwsError } from '../errors/aws-error.js'
import { optional, required, structure } from '../protocol/shape.js'
import { defineOperation } from './operation.js'
import { Nonce, ProductCode, VersionInteger } from './shapes.js'

export const RegisterUsageInput = structure({
  ProductCode: required(ProductCode),
  PublicKeyVersion: required(VersionInteger),
  Nonce: optional(Nonce),
})

/** AWS: "Currently, Amazon ECS, Amazon EKS, and Fargate are supported." */
const SUPPORTED_PLATFORMS = new Set(['ecs', 'eks', 'fargate'])

/**
 * RegisterUsage: a paid container product checks entitlement at start-up and gets back a JWT
 * (PS256) over productCode, publicKeyVersion, nonce and iat that the seller's code verifies with
 * meterd's public key. Entitlement is checked on the first call per ECS task / EKS pod only;
 * later calls from that resource succeed even after the license ended, as AWS documents.
 */
export const registerUsage = defineOperation({
  name: 'RegisterUsage',
  input: RegisterUsageInput,
  async run(input, ctx) {
    const callerAccountId = ctx.caller.accountId ?? ctx.anonymousBuyerAccountId
    const product = ctx.catalog.findProduct(input.ProductCode)
    if (!product || product.type !== 'container') {
      throw new AwsError(
        'InvalidProductCodeException',
        'The product code passed does not match the product code used for publishing the product.',
      )
    }
    const resourceRegion = ctx.caller.credential?.region
    if (resourceRegion && ctx.caller.signingRegion && resourceRegion !== ctx.caller.signingRegion) {
      throw new AwsError(
        'InvalidRegionException',
        `RegisterUsage must be called in the same AWS Region the ECS task was launched in (${resourceRegion}), not ${ctx.caller.signingRegion}.`,
      )
    }
    const key = await ctx.keys.find(input.PublicKeyVersion)
    if (!key) throw new AwsError('InvalidPublicKeyVersionException', 'Public Key version is invalid.')

    const resourceId = ctx.caller.credential?.resourceId ?? ctx.caller.accessKeyId ?? 'anonymous'
    const account = callerAccountId ?? 'anonymous'
    const regKey = registrationKey(product.code, account, resourceId)
    const registered = await ctx.ledger.findRegistration(regKey)
    // The publishing seller's own account runs in preview: no entitlement check.
    const preview = account === product.seller
    if (!registered) {
      const platform = ctx.caller.credential?.platform
      if (platform && !SUPPORTED_PLATFORMS.has(platform)) {
        throw new AwsError(
          'PlatformNotSupportedException',
          `AWS Marketplace does not support metering usage from the underlying platform (${platform}). Currently, Amazon ECS, Amazon EKS, and Fargate are supported.`,
        )
      }
      const entitled =
        preview ||
        isAccountEntitled(ctx.catalog, account, product.code, {
          usageAtMs: ctx.nowMs,
          nowMs: ctx.nowMs,
          finalMeteringMs: ctx.windows.finalMeteringMs,
        })
      if (!entitled) {
        throw new AwsError(
          'CustomerNotEntitledException',
          `The customer does not have a valid subscription for the product ${product.code}.`,
        )
      }
    }
    await ctx.ledger.recordRegistrationCall({
      key: regKey,
      productCode: product.code,
      resourceId,
      callerAccountId: account,
      preview,
      firstCallMs: ctx.nowMs,
      lastCallMs: ctx.nowMs,
      callCount: 1,
    })
    // Claim names as AWS's own RegisterUsage verification sample (seller guide, Java) reads them: camelCase,
    // although the same guide's example payload shows PascalCase.
    const Signature = await ctx.keys.sign(key, {
      productCode: product.code,
      publicKeyVersion: key.version,
      nonce: input.Nonce ?? '',
      iat: Math.floor(ctx.nowMs / 1000),
    })
    const expired = key.expiresAtMs !== undefined && key.expiresAtMs <= ctx.nowMs
    return expired ? { Signature, PublicKeyRotationTimestamp: key.expiresAtMs! / 1000 } : { Signature }
  },
})
