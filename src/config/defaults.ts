// meterd's defaults, in a module of their own so that the command line can print them without
// loading the config schema.
export const DEFAULT_PORT = 6387
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_DATA_DIR = './.meterd'
/** The file in the data folder that holds the generated admin token. */
export const ADMIN_TOKEN_FILE = 'admin-token'
