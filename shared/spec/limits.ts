/*
 * Bounds on what the spec parser accepts, so that no input can make it run for minutes, exhaust memory or the
 * stack. Documented in docs/spec.md ("Limits"); each comes with a clear error naming the limit.
 *
 * Sizes for scale: a spec of 1,000 static brokers with instance ids and zones is about 100 kB; the deepest legitimate
 * nesting is 5 levels (exposures → [0] → advertisedListenerPattern → zone); a spec that names a broker template with
 * an anchor and reuses it for 1,000 brokers adds about 10,000 values through aliases.
 */
export const SPEC_LIMITS = {
  /** Largest spec file (bytes of UTF-8). AWS Parameter Store holds at most 8 KB, a Step Functions input 256 KiB. */
  maxBytes: 1024 * 1024,
  /** Deepest nesting of mappings and lists, counted from the top-level mapping (aliases included). */
  maxDepth: 32,
  /** Values that aliases may add to the spec in total (each `*name` adds as many values as its anchor holds). */
  maxAliasValues: 100_000,
  /** Problems listed at most; the rest are counted (fixing the first ones often clears many of the others). */
  maxIssues: 100,
} as const;
