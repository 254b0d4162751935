/** One AWS API call as the audit trail keeps it (CloudTrail-like). Secrets are never part of it. */
export interface AuditEvent {
  eventId: string
  timeMs: number
  operation: string
  callerAccountId?: string
  accessKeyId?: string
  sourceIp: string
  userAgent?: string
  requestId: string
  /** The request body as parsed (AWS member names), or undefined when it could not be read. */
  requestParameters?: unknown
  /**
   * On write only, instead of requestParameters: the body as the JSON text the caller sent, when
   * it holds no secret. Reads give requestParameters.
   */
  requestParametersJson?: string
  httpStatus: number
  errorCode?: string
  errorMessage?: string
  responseElements?: unknown
  /** Set when a fault rule or quota produced (part of) the answer. */
  injectedFault?: string
  durationMs: number
}

export interface AuditQuery {
  operation?: string
  callerAccountId?: string
  accessKeyId?: string
  errorCode?: string
  /** Only events answered with an error (true) or without (false). */
  failed?: boolean
  injectedOnly?: boolean
  fromMs?: number
  toMs?: number
}

/** Calls of one operation with one outcome (the error code, or `Success`) in one minute. */
export interface AuditCount {
  minuteStartMs: number
  operation: string
  outcome: string
  calls: number
}
