/*
 * The largest subset of a rack group that may be down at once, under capacity constraints "at most `capacity` of
 * `members`" (docs/rolling-restart.md §8.5, step 4). In general this is a maximum independent set problem
 * (NP-hard: a constraint of capacity 1 over two brokers is an edge), so it is solved exactly by a bounded search:
 * - brokers in no tight constraint (|members ∩ candidates| ≤ capacity) are always in;
 * - the tight constraints split the rest into independent components (union-find), searched one by one;
 * - each component by branch and bound in the candidates' order, "include" before "exclude", starting from the
 *   greedy set (take a broker whenever it fits — the search's own first leaf) and replacing the best only by a
 *   strictly larger set: the result is the first largest set in that order, so equal inputs give equal batches.
 * The search visits at most `budget` nodes in all; when that runs out the best set found so far is extended
 * greedily to a maximal one and reported as not `exact` (safe and maximal, maybe not the largest).
 */

export interface CapacityConstraint {
  /** Node ids, at most `capacity` of which may be in the chosen set. */
  readonly members: readonly number[];
  readonly capacity: number;
}

export interface SafeSubset {
  /** The chosen nodes, in the candidates' order. */
  chosen: number[];
  /** True when the search completed: no safe subset of the candidates is larger. */
  exact: boolean;
  /** Search nodes visited (for tests and the budget). */
  explored: number;
}

/** Enough for components of ~20 brokers under heavy conflict; rack groups in practice are far easier. */
export const DEFAULT_SEARCH_BUDGET = 200_000;

export function largestSafeSubset(
  candidates: readonly number[],
  constraints: readonly CapacityConstraint[],
  budget: number = DEFAULT_SEARCH_BUDGET,
): SafeSubset {
  const order = [...new Set(candidates)];
  const position = new Map(order.map((id, i) => [id, i]));
  // Constraints over the candidates only; a capacity below 1 shuts its members out (canRoll refuses them alone).
  const over = constraints.map((c) => ({
    members: [...new Set(c.members)].filter((id) => position.has(id)).map((id) => position.get(id)!),
    capacity: c.capacity,
  }));
  const excluded = new Set<number>();
  for (const c of over) if (c.capacity < 1) for (const m of c.members) excluded.add(m);
  const tight: { members: number[]; capacity: number }[] = [];
  for (const c of over) {
    if (c.capacity < 1) continue;
    const members = c.members.filter((m) => !excluded.has(m)).sort((a, b) => a - b);
    if (members.length > c.capacity) tight.push({ members, capacity: c.capacity });
  }

  // Components of the conflict structure (union-find over the tight constraints).
  const parent = order.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (const c of tight) for (const m of c.members.slice(1)) parent[find(m)] = find(c.members[0]!);
  const constrained = new Set(tight.flatMap((c) => c.members));
  const chosen = new Set<number>();
  for (let i = 0; i < order.length; i++) if (!excluded.has(i) && !constrained.has(i)) chosen.add(i);

  const components = new Map<number, number[]>();
  for (const i of [...constrained].sort((a, b) => a - b)) {
    const root = find(i);
    components.set(root, [...(components.get(root) ?? []), i]);
  }

  let explored = 0;
  let exact = true;
  for (const elements of components.values()) {
    const local = new Map(elements.map((e, k) => [e, k]));
    const cons = tight.filter((c) => local.has(c.members[0]!));
    const of: number[][] = elements.map(() => []);
    cons.forEach((c, j) => {
      for (const m of c.members) if (local.has(m)) of[local.get(m)!]!.push(j);
    });
    const count = cons.map(() => 0);
    const fits = (k: number) => of[k]!.every((j) => count[j]! < cons[j]!.capacity);
    const take = (k: number, delta: number) => {
      for (const j of of[k]!) count[j]! += delta;
    };

    // The greedy set: the search's first leaf, and the answer when the budget runs out at once.
    let best: number[] = [];
    for (let k = 0; k < elements.length; k++) {
      if (fits(k)) {
        take(k, 1);
        best.push(k);
      }
    }
    for (const k of best) take(k, -1);

    const current: number[] = [];
    let aborted = false;
    const search = (k: number): void => {
      if (aborted) return;
      if (++explored > budget) {
        aborted = true;
        return;
      }
      if (current.length + (elements.length - k) <= best.length) return;
      if (k === elements.length) {
        best = [...current];
        return;
      }
      if (fits(k)) {
        take(k, 1);
        current.push(k);
        search(k + 1);
        current.pop();
        take(k, -1);
      }
      search(k + 1);
    };
    search(0);
    if (aborted) {
      exact = false;
      // Extend to a maximal set (the best one found may have left room).
      for (const k of best) take(k, 1);
      for (let k = 0; k < elements.length; k++) {
        if (!best.includes(k) && fits(k)) {
          take(k, 1);
          best.push(k);
        }
      }
    }
    for (const k of best) chosen.add(elements[k]!);
  }

  return {
    chosen: [...chosen].sort((a, b) => a - b).map((i) => order[i]!),
    exact,
    explored,
  };
}
