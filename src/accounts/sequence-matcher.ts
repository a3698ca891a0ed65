// Port of CPython's difflib.SequenceMatcher (Lib/difflib.py, 3.11) restricted
// to what Django's UserAttributeSimilarityValidator calls: quick_ratio() of two
// strings (its ratio() and matching blocks are never asked). Python indexes str by
// code point, so both inputs are split into code points (not UTF-16 units) or
// astral characters would count twice and the ratios would drift from Django.

export type SequenceMatcher = {
  quickRatio(): number
}

// difflib._calculate_ratio: two empty sequences are identical (1.0).
const calculateRatio = (matches: number, length: number): number =>
  length ? (2.0 * matches) / length : 1.0

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
    quickRatio: () => calculateRatio(quickMatches(seqA, seqB), total),
  }
}
