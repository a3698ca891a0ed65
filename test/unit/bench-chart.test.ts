import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { chartSpec, renderChart } from '../../bench/chart.ts'
import type { BenchResults } from '../../bench/report.ts'
import { isStretchGoal, targetStatus } from '../../bench/targets.ts'
import type { Target } from '../../bench/targets.ts'

const recorded = JSON.parse(readFileSync(new URL('../../bench/results/sqlite.json', import.meta.url), 'utf8')) as BenchResults

describe('the bench chart (vega-lite, vega, resvg)', () => {
  it('When a recorded run is drawn, then the result is a PNG at twice the SVG size', async () => {
    const png = await renderChart([recorded])
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const width = png.readUInt32BE(16)
    const height = png.readUInt32BE(20)
    assert.ok(width > 1600 && width < 2600 && height > 1000 && height < 1600, `${width}x${height}`)
  })

  it('When two passes of the bare route differ, then its bar is their median and its error bar spans both', () => {
    const spec = JSON.stringify(chartSpec([recorded]))
    const [first, second] = recorded.bareRuns as [number, number]
    const bare = { median: Math.round((first + second) / 2), lo: Math.min(first, second), hi: Math.max(first, second) }
    assert.ok(
      spec.includes(`"label":"bare Fastify route: ${bare.median.toLocaleString('en-US')}/s","rps":${bare.median},"lo":${bare.lo},"hi":${bare.hi},"runs":2`),
      spec,
    )
  })

  it('When a ratio to the bare route is missed, then it reads as a stretch goal, and other missed targets as MISSED', () => {
    // Targets as a run writes them, not the recorded run's: whether that run met jwt/create's target is the machine's.
    const targets: Target[] = [
      { name: '/users/me/ vs bare route', value: '48%', goal: '>= 60%', met: false, stretch: true },
      { name: 'jwt/verify vs bare route', value: '41%', goal: '>= 75%', met: false },
      { name: 'jwt/create vs hash-bound limit', value: '67% of 49.3/s', goal: '>= 85%', met: false, stretch: false },
      { name: 'errors in all phases', value: '0', goal: '0', met: true },
    ]
    assert.deepEqual(targets.map(targetStatus), ['stretch goal, not reached', 'stretch goal, not reached', 'MISSED', 'met'])
    // A recorded run carries the same names, so the table and the chart read it the same way.
    assert.deepEqual(recorded.targets.filter(isStretchGoal).map((t) => t.name), ['/users/me/ vs bare route', 'jwt/verify vs bare route'])
  })
})
