/**
 * `make` runs on the first call only; every later call returns the same value (for an async `make`, the same
 * promise, so concurrent first calls share one load). A failure is not kept: when `make` throws, or its promise
 * rejects, the next call runs it again — a client or a module that failed to load once (a throttled credential
 * lookup) must not fail every later invocation of a warm container.
 */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    if (made === undefined) {
      const value = make();
      made = { value };
      if (value instanceof Promise) {
        value.catch(() => {
          if (made?.value === value) made = undefined;
        });
      }
    }
    return made.value;
  };
}
