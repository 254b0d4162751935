import { AwsError } from '../errors/aws-error.js'
import { required, structure } from '../protocol/shape.js'
import { hashRegistrationToken, isWellFormedToken } from '../subscriptions/registration-tokens.js'
import { defineOperation } from './operation.js'
import { NonEmptyString } from './shapes.js'

export const ResolveCustomerInput = structure({
  RegistrationToken: required(NonEmptyString),
})

const invalid = () => new AwsError('InvalidTokenException', 'Registration token is invalid.')

/**
 * ResolveCustomer: the seller's registration page turns the x-amzn-marketplace-token it was
 * posted into the buyer's identity. Within the token's TTL the answer is the same every time.
 * CustomerIdentifier is returned only to legacy integrations (AWS stopped populating it for new
 * SaaS integrations in 2026).
 */
export const resolveCustomer = defineOperation({
  name: 'ResolveCustomer',
  input: ResolveCustomerInput,
  async run(input, ctx) {
    if (!isWellFormedToken(input.RegistrationToken)) throw invalid()
    const token = await ctx.ledger.findRegistrationToken(hashRegistrationToken(input.RegistrationToken))
    if (!token) throw invalid()
    const product = ctx.catalog.findProduct(token.productCode)
    // Only the publishing seller may resolve; anyone else learns nothing about the token.
    if (!product || (ctx.caller.accountId !== undefined && product.seller !== ctx.caller.accountId)) throw invalid()
    if (ctx.nowMs >= token.expiresAtMs) {
      throw new AwsError(
        'ExpiredTokenException',
        "The submitted registration token has expired. This can happen if the buyer's browser takes too long to redirect to your page, the buyer has resubmitted the registration token, or your application has held on to the registration token for too long.",
      )
    }
    const result: Record<string, string> = {
      CustomerAWSAccountId: token.customerAccountId,
      ProductCode: token.productCode,
      LicenseArn: token.licenseArn,
    }
    if (product.integration === 'legacy') result.CustomerIdentifier = token.customerIdentifier
    return result
  },
})
