// bench/results/<db>.png: each scenario's requests/s as a bar against its own ceiling (the bare route for the
// request-bound routes, the hash-bound limit for those that hash a password), with the targets drawn in and listed.
import { createRaster, drawText, encodePng, fillRect, textWidth } from './png.ts'
import type { Color, Raster } from './png.ts'
import type { BenchResults } from './report.ts'

const WIDTH = 1330
const INK: Color = [32, 36, 44]
const MUTED: Color = [110, 116, 128]
const GRID: Color = [226, 229, 234]
const BARE: Color = [150, 156, 168]
const SERVICE: Color = [52, 110, 200]
const HASHING: Color = [214, 128, 40]
const GOOD: Color = [24, 140, 72]
const BAD: Color = [200, 40, 40]

const LABEL_W = 300
const BAR_W = 560
const ROW_H = 30

type Bar = { label: string; rps: number; ceiling: number; target?: number; color: Color }

function drawBars(raster: Raster, top: number, title: string, bars: Bar[]): number {
  drawText(raster, 20, top, title, INK, 2)
  const y0 = top + 30
  for (let pct = 0; pct <= 100; pct += 25) {
    const x = 20 + LABEL_W + (BAR_W * pct) / 100
    fillRect(raster, x, y0 - 4, 1, bars.length * ROW_H + 4, GRID)
    drawText(raster, x - textWidth(`${pct}%`) / 2, y0 + bars.length * ROW_H + 4, `${pct}%`, MUTED)
  }
  bars.forEach((bar, i) => {
    const y = y0 + i * ROW_H
    const share = bar.ceiling > 0 ? bar.rps / bar.ceiling : 0
    drawText(raster, 20, y + 6, bar.label, INK, 2)
    fillRect(raster, 20 + LABEL_W, y, Math.min(1.1, share) * BAR_W, ROW_H - 8, bar.color)
    if (bar.target !== undefined) {
      const met = share >= bar.target
      fillRect(raster, 20 + LABEL_W + bar.target * BAR_W - 1, y - 3, 3, ROW_H - 2, met ? GOOD : BAD)
    }
    const text = `${Math.round(bar.rps).toLocaleString('en-US')}/s  ${Math.round(share * 100)}%`
    drawText(raster, 20 + LABEL_W + Math.min(1.1, share) * BAR_W + 10, y + 6, text, INK, 2)
  })
  return y0 + bars.length * ROW_H + 24
}

export function renderChart(results: BenchResults): Buffer {
  const raster = createRaster(WIDTH, 750, [255, 255, 255])
  const { machine, setup, hashing, bare } = results
  const phase = (prefix: string) => results.phases.find((p) => p.name.startsWith(prefix))
  const rps = (prefix: string) => phase(prefix)?.rps ?? 0
  const hashLimit = (setup.hashThreads * 1000) / hashing.hashMs

  const database = setup.database.replace(/ \(.*\)$/, '')
  drawText(raster, 20, 14, `UniLink Accounts benchmark, ${database}, ${results.date.slice(0, 16).replace('T', ' ')} UTC`, INK, 3)
  drawText(
    raster,
    20,
    44,
    `${machine.cpuModel}, ${machine.nproc} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; `
      + `load average ${machine.loadAverageStart.map((l) => l.toFixed(2)).join(' ')}`,
    MUTED,
    2,
  )
  drawText(raster, 20, 62, `${setup.mode.replace(/^NODE_ENV=production LOG_LEVEL=warn /, '')}, RATE_LIMIT=off`, MUTED, 2)
  drawText(
    raster,
    20,
    80,
    `argon2id m=${setup.argon2.memoryCost} KiB t=${setup.argon2.timeCost} p=${setup.argon2.parallelism}: `
      + `hash ${hashing.hashMs} ms, verify ${hashing.verifyMs} ms, ${setup.hashThreads} thread(s); `
      + `${setup.connections} connections, ${setup.durationS} s per scenario`,
    MUTED,
    2,
  )

  let y = drawBars(raster, 112, `requests/s vs the bare Fastify route (${bare.rps.toLocaleString('en-US')}/s)`, [
    { label: 'bare route', rps: bare.rps, ceiling: bare.rps, color: BARE },
    { label: 'floor: users/me/', rps: results.floor.me.rps, ceiling: bare.rps, target: 0.6, color: BARE },
    { label: 'floor: jwt/verify/', rps: results.floor.verify.rps, ceiling: bare.rps, target: 0.75, color: BARE },
    { label: 'GET users/me/', rps: rps('GET /api/users/me/'), ceiling: bare.rps, target: 0.6, color: SERVICE },
    { label: 'POST jwt/verify/', rps: rps('POST /api/jwt/verify/'), ceiling: bare.rps, target: 0.75, color: SERVICE },
    { label: 'POST jwt/refresh/', rps: rps('POST /api/jwt/refresh/'), ceiling: bare.rps, color: SERVICE },
  ])
  y = drawBars(raster, y + 8, `requests/s vs the hash-bound limit (threads / one hash)`, [
    { label: 'POST jwt/create/', rps: rps('POST /api/jwt/create/'), ceiling: hashing.loginLimitPerS, target: 0.85, color: HASHING },
    { label: 'POST users/ (register)', rps: rps('POST /api/users/'), ceiling: hashLimit, color: HASHING },
    { label: 'login storm', rps: rps('login storm'), ceiling: hashing.loginLimitPerS, color: HASHING },
  ])
  drawText(raster, 20, y + 8, 'targets', INK, 2)
  results.targets.forEach((target, i) => {
    const line = `${target.met ? 'met   ' : 'MISSED'} ${target.name}: ${target.value} (target ${target.goal})`
    drawText(raster, 20, y + 34 + i * 22, line, target.met ? GOOD : BAD, 2)
  })
  return encodePng(raster)
}
