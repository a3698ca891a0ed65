// The bench chart: a Vega-Lite spec compiled to Vega, rendered to SVG by Vega's headless view and rasterised to PNG
// by resvg (both ship their code and binaries inside their npm packages: nothing is downloaded at install time).
// `npx tsx bench/chart.ts bench/results/sqlite.json [more.json ...] [--out chart.png]` draws recorded results again;
// several files of one database are drawn as one chart, each bar the median, its error bar the spread of the runs.
import { Resvg } from '@resvg/resvg-js'
import { writeFileSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { View, parse } from 'vega'
import { compile } from 'vega-lite'
import type { TopLevelSpec } from 'vega-lite'
import { isStretchGoal, targetStatus } from './targets.ts'
import type { BenchResults } from './report.ts'

/** Fonts that Debian's fonts-dejavu / fonts-liberation install; resvg falls back to any system sans-serif font. */
const FONT = 'DejaVu Sans, Liberation Sans, sans-serif'
const WIDTH = 620

type Row = { group: string; name: string; label: string; rps: number; lo: number; hi: number; runs: number }
type Mark = { group: string; label: string; at: number; kind: Kind }
type Kind = keyof typeof KINDS

/** The reference marks and their colours, the same in both panels. */
const KINDS = {
  stretch: { title: 'stretch goal: 60% / 75% of the bare route', color: '#7a4fb5' },
  limit: { title: 'hash-bound limit: threads / one verification', color: '#20242c' },
  target: { title: 'target: 85% of the hash-bound limit', color: '#188c48' },
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] ?? NaN : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

/** A bar; its axis label carries the figure, so no number sits on top of a bar's error bar or a reference mark. */
function row(group: string, name: string, samples: number[]): Row {
  const rps = Math.round(median(samples))
  const label = `${name}: ${rps.toLocaleString('en-US')}/s`
  return { group, name, label, rps, lo: Math.min(...samples), hi: Math.max(...samples), runs: samples.length }
}

const REQUEST_BOUND = 'request-bound: requests/s, the median of the runs (error bars: min–max, where there were several)'
const HASH_BOUND = 'password-hashing: requests/s against the hash-bound limit'

/** The chart's rows: every pass of every run is a sample (the bare route and the floor run twice per run). */
function rowsOf(runs: BenchResults[]): { rows: Row[]; marks: Mark[] } {
  const phase = (name: string) => runs.flatMap((r) => r.phases.filter((p) => p.name === name).map((p) => p.rps))
  const bare = runs.flatMap((r) => r.bareRuns)
  const rows = [
    row(REQUEST_BOUND, 'bare Fastify route', bare),
    row(REQUEST_BOUND, 'floor: users/me/', runs.flatMap((r) => r.floorRuns.me)),
    row(REQUEST_BOUND, 'floor: jwt/verify/', runs.flatMap((r) => r.floorRuns.verify)),
    row(REQUEST_BOUND, 'GET users/me/', phase('GET /api/users/me/')),
    row(REQUEST_BOUND, 'POST jwt/verify/', phase('POST /api/jwt/verify/')),
    row(REQUEST_BOUND, 'POST jwt/refresh/', phase('POST /api/jwt/refresh/')),
    row(HASH_BOUND, 'POST jwt/create/', phase('POST /api/jwt/create/')),
    row(HASH_BOUND, 'POST users/ (register)', phase('POST /api/users/')),
    row(HASH_BOUND, 'login storm', phase('login storm')),
  ].filter((r) => r.runs > 0)
  const bareMedian = median(runs.map((r) => r.bare.rps))
  const limit = median(runs.map((r) => r.hashing.loginLimitPerS))
  const marks: Mark[] = [
    // Issue 6's ratios to the bare route are stretch goals: Node's own floor sits near them on a 2-core machine.
    { group: REQUEST_BOUND, label: 'GET users/me/', at: 0.6 * bareMedian, kind: 'stretch' },
    { group: REQUEST_BOUND, label: 'POST jwt/verify/', at: 0.75 * bareMedian, kind: 'stretch' },
    ...['POST jwt/create/', 'login storm'].map((label) => ({ group: HASH_BOUND, label, at: limit, kind: 'limit' as const })),
    { group: HASH_BOUND, label: 'POST jwt/create/', at: 0.85 * limit, kind: 'target' },
  ]
  const labelOf = new Map(rows.map((r) => [r.name, r.label]))
  return { rows, marks: marks.flatMap((m) => { const label = labelOf.get(m.label); return label === undefined ? [] : [{ ...m, label }] }) }
}

function panel(group: string, rows: Row[], marks: Mark[]): TopLevelSpec['vconcat' & keyof TopLevelSpec] {
  const kinds = (Object.keys(KINDS) as Kind[]).filter((k) => marks.some((m) => m.kind === k))
  const y = { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelFontSize: 12, labelLimit: 320 } }
  const x = { type: 'quantitative', title: 'requests/s', axis: { labelFontSize: 11, titleFontSize: 12, grid: true } }
  return {
    title: { text: group, anchor: 'start', fontSize: 13 },
    width: WIDTH,
    height: { step: 26 },
    layer: [
      { data: { values: rows }, mark: { type: 'bar', color: group === HASH_BOUND ? '#d6802a' : '#346ec8', height: 16 },
        encoding: { y, x: { ...x, field: 'rps' } } },
      { data: { values: rows.filter((r) => r.runs > 1) }, mark: { type: 'errorbar', ticks: { size: 10 }, color: '#20242c', thickness: 1.5 },
        encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' } } },
      { data: { values: marks.map((m) => ({ ...m, kind: KINDS[m.kind].title })) }, mark: { type: 'tick', thickness: 3, size: 24 },
        encoding: {
          y, x: { field: 'at', type: 'quantitative' },
          color: {
            field: 'kind', type: 'nominal', title: null,
            scale: { domain: kinds.map((k) => KINDS[k].title), range: kinds.map((k) => KINDS[k].color) },
            legend: { orient: 'bottom', direction: 'vertical', labelFontSize: 11, labelLimit: 400, symbolType: 'M-0.2,-1L0.2,-1L0.2,1L-0.2,1Z' },
          },
        } },
    ],
    resolve: { scale: { color: 'independent' } },
    // The literal's strings (`type: 'quantitative'`) widen in the shared `x`/`y` objects, which vega-lite's unions
    // refuse; compile() validates the spec at run time, and the chart is looked at whenever a run is recorded.
  } as never
}

/** The whole chart as a Vega-Lite spec: a title, the two panels and the targets of the newest run. */
export function chartSpec(runs: BenchResults[]): TopLevelSpec {
  const newest = runs.reduce((a, b) => (a.date > b.date ? a : b))
  const { machine, setup, hashing } = newest
  const { rows, marks } = rowsOf(runs)
  const when = runs.length === 1 ? `${newest.date.slice(0, 16).replace('T', ' ')} UTC` : `${runs.length} runs, newest ${newest.date.slice(0, 10)}`
  const targets = newest.targets.map((t, i) => ({
    i, line: `${targetStatus(t)}: ${t.name}: ${t.value} (${isStretchGoal(t) ? 'stretch goal' : 'target'} ${t.goal})`,
    status: t.met ? 'met' : isStretchGoal(t) ? 'stretch' : 'missed',
  }))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `UniLink Accounts benchmark, ${setup.database.replace(/ \(.*\)$/, '')}, ${when}`,
      subtitle: [
        `${machine.cpuModel}, ${machine.nproc} cores, Node ${machine.node}; load average ${machine.loadAverageStart.map((l) => l.toFixed(2)).join(' ')}`,
        `argon2id m=${setup.argon2.memoryCost} KiB t=${setup.argon2.timeCost}: verify ${hashing.verifyMs} ms, ${setup.hashThreads} thread(s); ` +
          `${setup.connections} connections, ${setup.durationS} s per scenario, RATE_LIMIT=off`,
      ],
      anchor: 'start', fontSize: 16, subtitleFontSize: 12, subtitleColor: '#6e7480',
    },
    config: { font: FONT, view: { stroke: null }, background: 'white' },
    vconcat: [
      panel(REQUEST_BOUND, rows.filter((r) => r.group === REQUEST_BOUND), marks.filter((m) => m.group === REQUEST_BOUND)),
      panel(HASH_BOUND, rows.filter((r) => r.group === HASH_BOUND), marks.filter((m) => m.group === HASH_BOUND)),
      {
        title: { text: 'targets (newest run)', anchor: 'start', fontSize: 13 },
        width: WIDTH, height: { step: 18 },
        data: { values: targets },
        mark: { type: 'text', align: 'left', fontSize: 12, x: 0 },
        encoding: {
          y: { field: 'i', type: 'ordinal', axis: null },
          text: { field: 'line' },
          color: { field: 'status', type: 'nominal', legend: null, scale: { domain: ['met', 'stretch', 'missed'], range: ['#188c48', '#7a4fb5', '#c82828'] } },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  }
}

/** The chart as PNG at twice its CSS size, so the type stays crisp. */
export async function renderChart(runs: BenchResults[]): Promise<Buffer> {
  const view = new View(parse(compile(chartSpec(runs)).spec), { renderer: 'none' })
  const svg = await view.toSVG()
  view.finalize()
  const resvg = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
  return resvg.render().asPng()
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: 'bench-chart.png' } } })
  if (positionals.length === 0) throw new Error('usage: npx tsx bench/chart.ts RESULTS.json [MORE.json ...] [--out FILE.png]')
  const runs = positionals.map((file) => JSON.parse(readFileSync(file, 'utf8')) as BenchResults)
  writeFileSync(resolve(values.out), await renderChart(runs))
  process.stderr.write(`chart: ${resolve(values.out)}\n`)
}
