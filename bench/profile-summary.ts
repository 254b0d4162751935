import { readFileSync } from 'node:fs'

/**
 * `node dist/bench/profile-summary.js FILE.cpuprofile [N]`: the top N functions of a V8 CPU
 * profile (as written by BENCH_PROFILE=dir npm run bench) by self time and by total time, and
 * the time per source package, so a hotspot is visible without opening DevTools.
 */
interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
const [file, top = '25'] = process.argv.slice(2)
if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [N]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const label = (n: Node) => {
  const url = n.callFrame.url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\//, '~/')
    .replace(/.*\/dist\//, '')
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim()
}
const area = (n: Node) => {
  const url = n.callFrame.url
  if (!url) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)'
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  if (url.startsWith('node:')) return 'node core'
  return /\/dist\/([^/]+\/[^/]+)/.exec(url)?.[1] ?? url
}

const self = new Map<string, number>()
const total = new Map<string, number>()
const areas = new Map<string, number>()
let all = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  all += dt
  const leaf = byId.get(id)!
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt)
  areas.set(area(leaf), (areas.get(area(leaf)) ?? 0) + dt)
  const seen = new Set<string>() // recursion must not count a frame twice
  for (let n: Node | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
    const l = label(n)
    if (!seen.has(l)) total.set(l, (total.get(l) ?? 0) + dt)
    seen.add(l)
  }
})

const print = (title: string, map: Map<string, number>, n: number) => {
  console.log(`\n${title}`)
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / all).toFixed(1).padStart(5)}%  ${name}`)
  }
}
console.log(`${(all / 1e6).toFixed(1)} s sampled`)
print('by package (self)', areas, 15)
print('by function (self)', self, Number(top))
print('by function (total)', total, Number(top))
