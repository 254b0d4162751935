import { integer, list, optional, required, string, structure } from '../protocol/shape.js'

// Constraints of the shared shapes, as in the current service model (botocore 1.43.52).
// Patterns are the Smithy ones (anchored), compiled verbatim.

export const ProductCode = string({ min: 0, max: 255, pattern: '^[-a-zA-Z0-9/=:_.@]*$' })
export const UsageDimension = string({ min: 1, max: 255, pattern: '^[\\s\\S]+$' })
export const UsageQuantity = integer({ min: 0, max: 2147483647 })
export const CustomerIdentifier = string({ min: 0, max: 255, pattern: '^[\\s\\S]*$' })
export const CustomerAWSAccountId = string({ min: 1, max: 255, pattern: '^[0-9]+$' })
export const LicenseArn = string({
  pattern:
    '^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$',
})
export const ClientToken = string({ min: 1, max: 64 })
export const Nonce = string({ min: 0, max: 255, pattern: '^[\\s\\S]*$' })
export const NonEmptyString = string({ pattern: '^[\\s\\S]+$' })
export const VersionInteger = integer({ min: 1 })

// " -=" inside the class is a range from space to '='; AWS compiles it as written, so do we.
const TAG_PATTERN = '^[a-zA-Z0-9+ -=._:\\/@]+$'
export const Tag = structure({
  Key: required(string({ min: 1, max: 100, pattern: TAG_PATTERN })),
  Value: required(string({ min: 1, max: 256, pattern: TAG_PATTERN })),
})
export const TagList = list(Tag, { min: 1, max: 5 })
export const UsageAllocation = structure({
  AllocatedUsageQuantity: required(integer({ min: 0, max: 2147483647 })),
  Tags: optional(TagList),
})
export const UsageAllocations = list(UsageAllocation, { min: 1, max: 2500 })
