import { defineService, served } from '../protocol/service.js'
import { getEntitlements } from './get-entitlements.js'
import type { OperationContext } from './operation.js'

/**
 * The AWS Marketplace Entitlement Service: AWS JSON 1.1 (`X-Amz-Target:
 * AWSMPEntitlementService.GetEntitlements`, what boto3, the AWS CLI and the JS SDK v3 send) and
 * Smithy RPC v2 CBOR (what the Go SDK v2 sends). It models InvalidParameterException for every bad
 * parameter, so constraint violations answer with it rather than with ValidationException.
 */
export const entitlementService = defineService<OperationContext>(
  {
    targetPrefix: 'AWSMPEntitlementService',
    name: 'AWSMPEntitlementService',
    namespace: 'com.amazonaws.marketplaceentitlementservice',
    cbor: true,
  },
  [served(getEntitlements, 'InvalidParameterException')],
)
