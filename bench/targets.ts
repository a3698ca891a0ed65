// The bench's targets: which are goals to meet and which are stretch goals, and how each reads.

/** `stretch`: a goal to aim at, not a failure when missed (results recorded before it was added lack it). */
export type Target = { name: string; value: string; goal: string; met: boolean; stretch?: boolean }

/**
 * The ratios to the bare Fastify route are stretch goals: the floor (plain node:http doing the least work) reaches
 * only about 75-90 % of the bare route on the 2-core machine, so a shortfall says little a reader can act on.
 */
export const STRETCH_GOALS = new Set(['/users/me/ vs bare route', 'jwt/verify vs bare route'])
export const isStretchGoal = (target: Target) => target.stretch ?? STRETCH_GOALS.has(target.name)

/** How a target reads in the table and the chart. */
export const targetStatus = (target: Target) => (target.met ? 'met' : isStretchGoal(target) ? 'stretch goal, not reached' : 'MISSED')
