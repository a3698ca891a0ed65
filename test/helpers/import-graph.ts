import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { globSync } from 'glob'
import ts from 'typescript'

/** One import between two files of src/, both named relative to src/ (`accounts/routes.ts`). */
export type SourceImport = { from: string; to: string; typeOnly: boolean }

export const SRC = resolve(import.meta.dirname, '../../src')

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly
  const clause = node.importClause
  if (clause === undefined) return false
  if (clause.isTypeOnly) return true
  const bindings = clause.namedBindings
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.every((e) => e.isTypeOnly)
}

/** Every relative import of every file under src/, static and dynamic, parsed by the TypeScript compiler. */
export function importsOfSrc(): SourceImport[] {
  const found: SourceImport[] = []
  for (const file of globSync('**/*.ts', { cwd: SRC })) {
    const source = ts.createSourceFile(file, readFileSync(join(SRC, file), 'utf8'), ts.ScriptTarget.Latest)
    const add = (specifier: string, typeOnly: boolean) => {
      if (!specifier.startsWith('.')) return
      const to = relative(SRC, resolve(SRC, dirname(file), specifier))
      if (!to.startsWith('..')) found.push({ from: file, to, typeOnly })
    }
    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, isTypeOnly(node))
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [argument] = node.arguments
        if (argument !== undefined && ts.isStringLiteral(argument)) add(argument.text, false)
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return found
}

/** Composition roots build stores and services; platform/ holds mechanisms. Every other folder is a feature. */
export const NOT_FEATURES = new Set(['platform', 'cli'])

/** The folder of a file under src/ (`accounts`), or null for the root files (app.ts, server.ts, config.ts). */
export function folderOf(file: string): string | null {
  const parts = file.split('/')
  return parts.length > 1 ? (parts[0] ?? null) : null
}

export function featureOf(file: string): string | null {
  const folder = folderOf(file)
  return folder === null || NOT_FEATURES.has(folder) ? null : folder
}

/** A cycle among the features through value imports, as `a -> b -> a`; null when they form a graph without one. */
export function featureCycle(imports: readonly SourceImport[]): string | null {
  const edges = new Map<string, Set<string>>()
  for (const { from, to, typeOnly } of imports) {
    const a = featureOf(from)
    const b = featureOf(to)
    if (typeOnly || a === null || b === null || a === b) continue
    edges.set(a, (edges.get(a) ?? new Set()).add(b))
  }
  const done = new Set<string>()
  const walk = (node: string, path: string[]): string | null => {
    if (path.includes(node)) return [...path.slice(path.indexOf(node)), node].join(' -> ')
    if (done.has(node)) return null
    for (const next of edges.get(node) ?? []) {
      const cycle = walk(next, [...path, node])
      if (cycle !== null) return cycle
    }
    done.add(node)
    return null
  }
  for (const node of edges.keys()) {
    const cycle = walk(node, [])
    if (cycle !== null) return cycle
  }
  return null
}
