import { createInterface } from 'node:readline'

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
    rl.question(question, (answer) => {
      rl.close()
      process.stdout.write('\n')
      resolve(answer)
    })
  })
}
