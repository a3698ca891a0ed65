import type { ImportProgress } from './service.ts'

const LABELS: Record<Parameters<ImportProgress>[0], string> = {
  universities: 'universities', universitySettings: 'university settings', departments: 'departments', users: 'users',
  universityAdmins: 'university admins',
}
const BAR_WIDTH = 30

/**
 * Progress of the writing: a redrawn bar with counts on a terminal, plain log lines otherwise (a pipe or a log
 * file gets one line per tenth of a table, not thousands of carriage returns).
 */
export function createProgressPrinter(stream: { isTTY?: boolean; write(text: string): unknown }): ImportProgress {
  let lastTenth = -1
  return (table, done, total) => {
    if (total === 0) return
    const label = LABELS[table]
    if (stream.isTTY === true) {
      const filled = Math.round((done / total) * BAR_WIDTH)
      stream.write(`\r${label.padEnd(20)} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`)
      if (done === total) stream.write('\n')
      return
    }
    const tenth = Math.floor((done / total) * 10)
    if (done === 0) lastTenth = 0
    if (tenth === lastTenth) return
    lastTenth = tenth
    stream.write(`${label}: ${done}/${total} written\n`)
  }
}
