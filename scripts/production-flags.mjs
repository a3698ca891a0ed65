// V8's production flags, in plain JavaScript so that both the build (TypeScript) and the launcher of
// `npm run start:prod` (which runs without a TypeScript loader) read them from here. Why these: scripts/build.ts.
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=30']
