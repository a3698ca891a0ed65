import type { SignInHour } from '../audit/service.ts'

// The admin dashboard's chart (API.md §14: sign-ins and failed sign-ins per hour for the last day, rendered on the
// server as SVG), drawn by hand: a bar pair per hour, a few grid lines, hour labels. The geometry is computed here and
// templates/pages/partials/sign-in-chart.eta writes the SVG; colours are classes of assets/pages/pages.css (light and
// dark), never style attributes (CSP style-src 'self').
//
// Library measured and why it lost: Vega 6.4 + Vega-Lite 6.4 (the bench's chart, devDependencies) render this chart
// headless with no style attribute, but took 43 ms for the first render and 16 ms each after (mean of 20, this
// 2-core machine) of CPU on the event loop for a page whose queries take about 1 ms; their 21 KB of SVG bakes its
// colours in as presentation attributes (a white background, #ddd grid) that dark mode would have to override mark
// by mark; and they would move 22 MB of packages (vega*, d3-*) from devDependencies into the production install.
// The hand-drawn chart is about 60 lines, renders in well under a millisecond and takes its colours from the theme.

const WIDTH = 720
const HEIGHT = 260
const PLOT = { left: 64, right: 12, top: 16, bottom: 40 }
/** Every third hour is labelled; every sixth stays labelled on a small screen (pages.css hides `.minor`). */
const LABEL_EVERY = 3

export type ChartBar = { x: number; y: number; width: number; height: number; kind: 'succeeded' | 'failed' }
export type SignInChart = {
  width: number
  height: number
  plot: { left: number; right: number; top: number; bottom: number }
  bars: ChartBar[]
  grid: { y: number; label: string }[]
  labels: { x: number; label: string; minor: boolean }[]
  hours: (SignInHour & { label: string })[]
  totals: { succeeded: number; failed: number }
}

/** 1, 2, 5 × 10ⁿ: the smallest such step that draws at most four grid lines up to `max`. */
function stepFor(max: number): number {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const unit of [1, 2, 5]) if (unit * magnitude * 4 >= max) return unit * magnitude
  }
}

const hourLabel = (ms: number) => `${new Date(ms).toISOString().slice(11, 13)}:00`

export function signInChart(hours: SignInHour[]): SignInChart {
  const highest = Math.max(1, ...hours.map((h) => Math.max(h.succeeded, h.failed)))
  const step = stepFor(highest)
  const top = Math.ceil(highest / step) * step
  const plotWidth = WIDTH - PLOT.left - PLOT.right
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom
  const bottom = PLOT.top + plotHeight
  const slot = plotWidth / Math.max(1, hours.length)
  const barWidth = Math.max(1, (slot - 4) / 2)
  const scale = (n: number) => (n / top) * plotHeight
  const round = (n: number) => Math.round(n * 10) / 10
  const bars = hours.flatMap((h, i) => (['succeeded', 'failed'] as const).map((kind, k) => {
    const height = round(scale(h[kind]))
    return { x: round(PLOT.left + i * slot + 2 + k * barWidth), y: round(bottom - height), width: round(barWidth), height, kind }
  }))
  const grid = Array.from({ length: top / step + 1 }, (_, i) => ({ y: round(bottom - scale(i * step)), label: String(i * step) }))
  const labels = hours.flatMap((h, i) => (i % LABEL_EVERY === 0
    ? [{ x: round(PLOT.left + (i + 0.5) * slot), label: hourLabel(h.start), minor: i % (LABEL_EVERY * 2) !== 0 }]
    : []))
  const totals = hours.reduce((t, h) => ({ succeeded: t.succeeded + h.succeeded, failed: t.failed + h.failed }), { succeeded: 0, failed: 0 })
  return {
    width: WIDTH, height: HEIGHT, plot: { ...PLOT, right: WIDTH - PLOT.right, bottom }, bars, grid, labels,
    hours: hours.map((h) => ({ ...h, label: hourLabel(h.start) })), totals,
  }
}
