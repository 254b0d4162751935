// AWS's SNS message validator (npm sns-validator) ships no types.
declare module 'sns-validator' {
  class MessageValidator {
    constructor(hostPattern?: RegExp, encoding?: string)
    validate(message: string | object, callback: (error: Error | null, message?: Record<string, string>) => void): void
  }
  export default MessageValidator
}
