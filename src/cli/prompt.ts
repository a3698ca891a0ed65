import { createInterface } from 'node:readline'
import { CommandError } from './run-command.ts'

/** Asks for a secret on the terminal without echoing it. */
export function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!process.stdin.isTTY) {
      reject(new Error('No terminal to ask for a password: use --noinput with SUPERUSER_PASSWORD set.'))
      return
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true })
    const output = rl as unknown as { _writeToOutput: (text: string) => void }
    let prompted = false
    output._writeToOutput = (text: string) => {
      // Echo the question once, then nothing of what is typed.
      if (!prompted) process.stdout.write(text)
      prompted = true
    }
    let answered = false
    // Ctrl-D (end of input) or Ctrl-C before an answer ends the command instead of leaving it waiting forever.
    rl.on('close', () => { if (!answered) reject(new CommandError('Aborted: no password was entered.')) })
    rl.on('SIGINT', () => rl.close())
    rl.question(question, (answer) => {
      answered = true
      rl.close()
      process.stdout.write('\n')
      resolve(answer)
    })
  })
}
