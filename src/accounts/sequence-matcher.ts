// Port of CPython's difflib.SequenceMatcher (Lib/difflib.py, 3.11) restricted
// to what Django's UserAttributeSimilarityValidator needs: string sequences,
// isjunk=None, autojunk=True, ratio() and quick_ratio(). Python indexes str by
// code point, so both inputs are split into code points (not UTF-16 units) or
// astral characters would count twice and the ratios would drift from Django.

export type SequenceMatcher = {
  ratio(): number
  quickRatio(): number
}

type Match = [i: number, j: number, size: number]

// difflib._calculate_ratio: two empty sequences are identical (1.0).
const calculateRatio = (matches: number, length: number): number =>
  length ? (2.0 * matches) / length : 1.0

// SequenceMatcher.__chain_b with isjunk=None: index b, then drop "popular"
// elements (more than 1% + 1 of a b of 200+ items) — the autojunk heuristic,
// which changes ratio() results, so it must be mirrored, not "fixed".
const chainB = (b: readonly string[]): Map<string, number[]> => {
  const b2j = new Map<string, number[]>()
  b.forEach((elt, i) => {
    const indices = b2j.get(elt)
    if (indices) indices.push(i)
    else b2j.set(elt, [i])
  })
  const n = b.length
  if (n >= 200) {
    const ntest = Math.floor(n / 100) + 1
    for (const [elt, idxs] of [...b2j]) {
      if (idxs.length > ntest) b2j.delete(elt)
    }
  }
  return b2j
}

// find_longest_match. bjunk is always empty here (isjunk=None), so the
// junk-extension loops of the original are no-ops and are omitted; popular
// elements are still extended over, exactly as in CPython.
const findLongestMatch = (
  a: readonly string[],
  b: readonly string[],
  b2j: Map<string, number[]>,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
): Match => {
  let besti = alo
  let bestj = blo
  let bestsize = 0
  let j2len = new Map<number, number>()
  for (let i = alo; i < ahi; i++) {
    const newj2len = new Map<number, number>()
    for (const j of b2j.get(a[i] as string) ?? []) {
      if (j < blo) continue
      if (j >= bhi) break
      const k = (j2len.get(j - 1) ?? 0) + 1
      newj2len.set(j, k)
      if (k > bestsize) {
        besti = i - k + 1
        bestj = j - k + 1
        bestsize = k
      }
    }
    j2len = newj2len
  }
  while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
    besti--
    bestj--
    bestsize++
  }
  while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) {
    bestsize++
  }
  return [besti, bestj, bestsize]
}

// get_matching_blocks, minus the final dummy triple and the adjacent-block
// merge: neither changes the sum of sizes, which is all ratio() uses.
const matchedCount = (a: readonly string[], b: readonly string[]): number => {
  const b2j = chainB(b)
  const queue: [number, number, number, number][] = [[0, a.length, 0, b.length]]
  let matches = 0
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop() as [number, number, number, number]
    const [i, j, k] = findLongestMatch(a, b, b2j, alo, ahi, blo, bhi)
    if (k) {
      matches += k
      if (alo < i && blo < j) queue.push([alo, i, blo, j])
      if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi])
    }
  }
  return matches
}

// quick_ratio: multiset intersection size, an upper bound on ratio().
const quickMatches = (a: readonly string[], b: readonly string[]): number => {
  const avail = new Map<string, number>()
  for (const elt of b) avail.set(elt, (avail.get(elt) ?? 0) + 1)
  let matches = 0
  for (const elt of a) {
    const numb = avail.get(elt) ?? 0
    avail.set(elt, numb - 1)
    if (numb > 0) matches++
  }
  return matches
}

export function createSequenceMatcher(a: string, b: string): SequenceMatcher {
  const seqA = Array.from(a)
  const seqB = Array.from(b)
  const total = seqA.length + seqB.length
  return {
    ratio: () => calculateRatio(matchedCount(seqA, seqB), total),
    quickRatio: () => calculateRatio(quickMatches(seqA, seqB), total),
  }
}
