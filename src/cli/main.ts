import { CommandError, runCommand } from './run-command.ts'
import type { Out } from './run-command.ts'

type Run = (args: string[], out: Out) => Promise<void>
// Each command is loaded when it runs: `check` alone needs the whole app, and a CLI should answer at once.
type Command = { summary: string; load: () => Promise<Run> }

/** The operator's commands; each reads the same configuration as the server (environment, then .env.local). */
const COMMANDS: Record<string, Command> = {
  'migrate': { summary: 'apply pending database migrations', load: async () => (await import('./migrate.ts')).migrate },
  'createsuperuser': { summary: 'create an active site admin', load: async () => (await import('./createsuperuser.ts')).createsuperuser },
  'users': { summary: 'list | show | activate | deactivate | set-password | reset-mfa', load: async () => (await import('./users.ts')).users },
  'universities': { summary: 'list | approve | disapprove | ban | unban', load: async () => (await import('./universities.ts')).universities },
  'audit': { summary: 'print or export (NDJSON) the audit log', load: async () => (await import('./audit.ts')).audit },
  'oidc': { summary: 'clients list | add | remove | rotate-secret: OpenID Connect clients', load: async () => (await import('./oidc-clients.ts')).oidc },
  'outbox': { summary: 'list | retry: the mail queue', load: async () => (await import('./outbox.ts')).outbox },
  'keys': { summary: 'list | rotate | prune: the OpenID Provider\'s signing keys', load: async () => (await import('./keys.ts')).keys },
  'check': { summary: 'validate configuration and connectivity (database, SMTP, Redis)', load: async () => (await import('./check.ts')).check },
  'openapi': { summary: 'write the OpenAPI 3.1 document to a file', load: async () => (await import('./openapi.ts')).openapi },
  'mail-preview': { summary: 'render every mail with sample data to files', load: async () => (await import('./mail-preview.ts')).mailPreview },
}

const HELP = `Usage: npm run cli -- <command> [options]     (npm run cli -- <command> --help for its options)

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(17)}${c.summary}`).join('\n')}

Configuration comes from the environment and .env.local, as for the server (see .env.example).
Exit status: 0 done, 1 failed (message on stderr), 2 invalid configuration.`

/** `npm run cli -- <command>`: one entry for every operator command. */
await runCommand(async (out) => {
  const [name, ...args] = process.argv.slice(2)
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return out(HELP)
  const command = COMMANDS[name]
  if (command === undefined) throw new CommandError(`Unknown command "${name}".\n\n${HELP}`)
  await (await command.load())(args, out)
})
