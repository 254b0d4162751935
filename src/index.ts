/**
 * What the `meterd` package offers to code: the admin client a test suite drives a running meterd
 * with, and the server itself, to start one in-process.
 */
export { AdminClient, AdminRequestError } from './admin/admin-client.js'
export type { ClockView, KeyView, QuotaView, SubscribeResponse, WorldCollection } from './admin/admin-client.js'
export { startServer, type MeterdServer } from './server/build-server.js'
export { loadConfig, type MeterdConfig } from './config/config.js'
