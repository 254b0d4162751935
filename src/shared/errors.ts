/**
 * An error whose message tells the user the whole story (a bad flag, an unreachable database):
 * the command line prints `meterd: <message>` and exits 1, without a stack trace.
 */
export class UserError extends Error {}
