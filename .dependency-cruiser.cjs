// The architecture, checked by `npm run lint` (dependency-cruiser). docs/architecture.md explains it.
//
// Each folder of src/ may import itself and the folders listed for it, nothing else. Read it bottom
// up: shared and errors know nothing of meterd; domain holds the rules; the ledger port, the catalog
// and the controls keep state behind small interfaces; the wire (protocol, sigv4) knows nothing of
// metering; operations, admin and public are the surfaces; server wires everything; cli drives it.
const LAYERS = {
  shared: [],
  errors: [],
  domain: ['shared'],
  ledger: ['domain', 'shared'], // the port: src/ledger/*.ts
  stores: ['ledger', 'domain', 'shared'], // src/ledger/{sql,sqlite,postgres}/: the only SQL
  catalog: ['domain', 'ledger', 'shared'],
  controls: ['domain', 'ledger', 'shared'],
  keys: ['domain', 'ledger', 'shared'],
  subscriptions: ['catalog', 'domain', 'ledger', 'shared'],
  notifications: ['catalog', 'domain', 'ledger', 'shared'],
  sigv4: ['errors', 'shared'],
  protocol: ['sigv4', 'errors', 'domain', 'shared'],
  operations: ['protocol', 'errors', 'controls', 'keys', 'subscriptions', 'catalog', 'domain', 'ledger', 'shared'],
  observability: ['protocol', 'errors', 'domain', 'ledger', 'shared'],
  admin: ['catalog', 'controls', 'keys', 'subscriptions', 'notifications', 'observability', 'domain', 'ledger', 'shared'],
  public: ['catalog', 'keys', 'subscriptions', 'notifications', 'domain', 'shared'],
  console: ['shared'],
  config: ['catalog', 'controls', 'domain', 'ledger', 'shared'],
  server: [
    'cli-free',
    'config',
    'operations',
    'admin',
    'public',
    'console',
    'observability',
    'protocol',
    'sigv4',
    'errors',
    'controls',
    'keys',
    'subscriptions',
    'notifications',
    'catalog',
    'domain',
    'ledger',
    'stores',
    'shared',
  ],
  cli: ['server', 'config', 'admin', 'catalog', 'domain', 'ledger', 'shared'],
}

const PATHS = {
  ledger: '^src/ledger/[^/]+$',
  stores: '^src/ledger/(sql|sqlite|postgres)/',
}
const pathOf = (layer) => PATHS[layer] ?? `^src/${layer}/`

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `layer-${layer}`,
  severity: 'error',
  comment: `src/${layer === 'stores' ? 'ledger/{sql,sqlite,postgres}' : layer} may import only: ${allowed.filter((a) => a !== 'cli-free').join(', ') || 'nothing in src'}`,
  from: { path: pathOf(layer) },
  to: {
    path: '^src/',
    pathNot: [pathOf(layer), ...allowed.filter((a) => a !== 'cli-free').map(pathOf)],
  },
}))

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'package-entry',
      severity: 'error',
      comment: 'the package entry (src/index.ts) exports the server and the admin client only',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/(server|admin|config)/'] },
    },
    {
      name: 'sql-only-in-stores',
      severity: 'error',
      comment: 'kysely, better-sqlite3 and pg belong to the stores (src/ledger/{sql,sqlite,postgres})',
      from: { path: '^src/', pathNot: PATHS.stores },
      to: { path: 'node_modules/(kysely|better-sqlite3|pg)/' },
    },
    {
      name: 'no-http-framework-below-the-surfaces',
      severity: 'error',
      comment: 'rules, state and operations never see HTTP: fastify lives in protocol, admin, public, console, observability and server',
      from: { path: '^src/(domain|ledger|catalog|controls|keys|subscriptions|operations|shared|errors|sigv4|config)/' },
      to: { path: 'node_modules/(fastify|@fastify/[^/]+)/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ holds pure rules: no node built-ins (no I/O, no crypto), no schema library, no npm packages',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'modules import each other in a circle',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'src/ is what the package ships: it must not need a devDependency',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'console-uses-the-admin-client',
      severity: 'error',
      comment:
        "the browser console (console/) is a client of the admin API: of src/ it may use only AdminClient and the types it shows (views, the domain's plain types)",
      from: { path: '^console/' },
      to: { path: '^src/', pathNot: ['^src/admin/(admin-client|views)\\.ts$', '^src/domain/[^/]+\\.ts$'] },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
}
