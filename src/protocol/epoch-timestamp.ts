/**
 * A timestamp in an operation's answer. AWS JSON 1.1 writes it as epoch seconds (a JSON number,
 * by toJSON); Smithy RPC v2 CBOR as tag 1 (epoch seconds). Operations return this instead of a
 * Date, which JSON would write as an ISO string the SDKs refuse.
 */
export class EpochTimestamp {
  constructor(readonly epochSeconds: number) {}

  static fromMs(ms: number): EpochTimestamp {
    return new EpochTimestamp(ms / 1000)
  }

  toJSON(): number {
    return this.epochSeconds
  }

  /** cbor2 writes what this returns: tag 1 (epoch-based date/time) over the seconds. */
  toCBOR(): [number, number] {
    return [1, this.epochSeconds]
  }
}
