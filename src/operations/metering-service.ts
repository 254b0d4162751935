import { defineService, served } from '../protocol/service.js'
import { batchMeterUsage } from './batch-meter-usage.js'
import { meterUsage } from './meter-usage.js'
import type { OperationContext } from './operation.js'
import { registerUsage } from './register-usage.js'
import { resolveCustomer } from './resolve-customer.js'

/** X-Amz-Target `AWSMPMeteringService.<name>`. A new operation is one file and one line here. */
export const meteringService = defineService<OperationContext>(
  { targetPrefix: 'AWSMPMeteringService', name: 'AWSMPMeteringService', namespace: 'com.amazonaws.marketplacemetering' },
  [served(batchMeterUsage), served(meterUsage), served(registerUsage), served(resolveCustomer)],
)
