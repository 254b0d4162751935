import { createHash, sign } from 'node:crypto'

/**
 * SNS messages as SNS writes and signs them: the JSON envelope in SNS's own layout
 * (`"Key" : "value"`, two-space indent, fields in SNS's order), the string to sign, and the
 * headers of an HTTP/HTTPS delivery.
 */

export interface SnsSigner {
  /** PEM of the RSA private key whose certificate `certUrl` serves. */
  privateKeyPem: string
  certUrl: string
}

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation'

/** The keys SNS signs, in byte order, per message type. */
const SIGNED_KEYS: Record<SnsMessageType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
}

/** `name\nvalue\n` for each signed key present, in byte order of the names. */
export function stringToSign(message: Record<string, string>): string {
  const type = message.Type as SnsMessageType
  return SIGNED_KEYS[type]
    .filter((key) => message[key] !== undefined)
    .map((key) => `${key}\n${message[key]}\n`)
    .join('')
}

/** SignatureVersion 1: SHA1withRSA (what Marketplace's topics use); 2: SHA256withRSA. */
export function signSnsMessage(message: Record<string, string>, version: '1' | '2', privateKeyPem: string): string {
  return sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(stringToSign(message), 'utf8'), privateKeyPem).toString('base64')
}

/** A message's `Message` in the layout real Marketplace messages have: one `"key": "value"` per line. */
export function marketplaceMessage(fields: readonly [string, string][]): string {
  return `{\n${fields.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n}`
}

/** The envelope as SNS writes it, fields in the order given. */
export function envelopeText(fields: readonly [string, string][]): string {
  return `{\n${fields.map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`).join(',\n')}\n}`
}

export interface Notification {
  messageId: string
  topicArn: string
  message: string
  timestamp: string
  unsubscribeUrl: string
}

export function notificationEnvelope(n: Notification, version: '1' | '2', signer: SnsSigner): string {
  const signed = { Type: 'Notification', MessageId: n.messageId, TopicArn: n.topicArn, Message: n.message, Timestamp: n.timestamp }
  return envelopeText([
    ['Type', 'Notification'],
    ['MessageId', n.messageId],
    ['TopicArn', n.topicArn],
    ['Message', n.message],
    ['Timestamp', n.timestamp],
    ['SignatureVersion', version],
    ['Signature', signSnsMessage(signed, version, signer.privateKeyPem)],
    ['SigningCertURL', signer.certUrl],
    ['UnsubscribeURL', n.unsubscribeUrl],
  ])
}

export interface Confirmation {
  type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation'
  messageId: string
  token: string
  topicArn: string
  subscriptionArn: string
  subscribeUrl: string
  timestamp: string
}

export function confirmationEnvelope(c: Confirmation, version: '1' | '2', signer: SnsSigner): string {
  const message =
    c.type === 'SubscriptionConfirmation'
      ? `You have chosen to subscribe to the topic ${c.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`
      : `You have chosen to deactivate subscription ${c.subscriptionArn}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`
  const signed = {
    Type: c.type,
    MessageId: c.messageId,
    Token: c.token,
    TopicArn: c.topicArn,
    Message: message,
    SubscribeURL: c.subscribeUrl,
    Timestamp: c.timestamp,
  }
  return envelopeText([
    ['Type', c.type],
    ['MessageId', c.messageId],
    ['Token', c.token],
    ['TopicArn', c.topicArn],
    ['Message', message],
    ['SubscribeURL', c.subscribeUrl],
    ['Timestamp', c.timestamp],
    ['SignatureVersion', version],
    ['Signature', signSnsMessage(signed, version, signer.privateKeyPem)],
    ['SigningCertURL', signer.certUrl],
  ])
}

/** The headers SNS sends with an HTTP/HTTPS delivery. */
export function snsHttpHeaders(r: {
  type: SnsMessageType
  messageId: string
  topicArn: string
  subscriptionArn: string
  raw: boolean
}): Record<string, string> {
  return {
    'x-amz-sns-message-type': r.type,
    'x-amz-sns-message-id': r.messageId,
    'x-amz-sns-topic-arn': r.topicArn,
    ...(r.type === 'SubscriptionConfirmation' ? {} : { 'x-amz-sns-subscription-arn': r.subscriptionArn }),
    ...(r.raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
    'content-type': 'text/plain; charset=UTF-8',
    'user-agent': 'Amazon Simple Notification Service Agent',
  }
}

/** A UUID made from `name`: the same message gets the same MessageId on every node and every try. */
export function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex')
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** SNS's timestamps: ISO-8601 with milliseconds. */
export const snsTimestamp = (ms: number): string => new Date(ms).toISOString()
