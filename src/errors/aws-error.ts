/**
 * Every error the AWS endpoint can return, with its HTTP status.
 *
 * Statuses: IdempotencyConflictException is 409 in the Smithy model; the other modeled errors
 * have no httpError trait, so Smithy's defaults apply (400 client, 500 server). The SigV4 and
 * framing errors are the Coral ones other awsJson services (DynamoDB, Kinesis) return with 400.
 * InternalServiceErrorException must stay 500: SDKs retry 5xx but not a 400 with that name.
 */
export const AWS_ERRORS = {
  // modeled by AWSMPMeteringService
  CustomerNotEntitledException: 400,
  DisabledApiException: 400,
  DuplicateRequestException: 400,
  ExpiredTokenException: 400,
  IdempotencyConflictException: 409,
  InternalServiceErrorException: 500,
  InvalidCustomerIdentifierException: 400,
  InvalidEndpointRegionException: 400,
  InvalidLicenseException: 400,
  InvalidProductCodeException: 400,
  InvalidPublicKeyVersionException: 400,
  InvalidRegionException: 400,
  InvalidTagException: 400,
  InvalidTokenException: 400,
  InvalidUsageAllocationsException: 400,
  InvalidUsageDimensionException: 400,
  PlatformNotSupportedException: 400,
  ThrottlingException: 400,
  TimestampOutOfBoundsException: 400,
  // modeled by AWSMPEntitlementService
  InvalidParameterException: 400,
  // common to every Coral awsJson service
  ValidationException: 400,
  SerializationException: 400,
  UnknownOperationException: 400,
  MissingAuthenticationTokenException: 400,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
  // meterd's choice: AWS documents the 1 MB limit but not the error it answers with
  RequestEntityTooLargeException: 413,
  // DryRun outcomes named by the MeterUsage docs; not modeled, so SDKs surface them generically
  DryRunOperation: 412,
} as const

export type AwsErrorCode = keyof typeof AWS_ERRORS

export class AwsError extends Error {
  readonly code: AwsErrorCode
  readonly statusCode: number

  constructor(code: AwsErrorCode, message: string) {
    super(message)
    this.name = code
    this.code = code
    this.statusCode = AWS_ERRORS[code]
  }
}
