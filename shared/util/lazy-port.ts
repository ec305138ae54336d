import { once } from './once.ts';

/*
 * Deployed functions build their adapters on first use, so a task pays (cold start) only for the SDK clients it
 * touches: `plan` loads none, the lock tasks only the storage client, and so on (functions/aws/deps.ts,
 * functions/gcp/deps.ts).
 */

/** A client, or how to make it on first use. */
export type ClientSource<T> = T | (() => Promise<T>);

export function resolveClient<T>(source: ClientSource<T>): Promise<T> {
  return typeof source === 'function' ? (source as () => Promise<T>)() : Promise.resolve(source);
}

/**
 * A port whose implementation is built on its first call. Every port method is async, so forwarding each listed
 * method through the loaded instance keeps the port's contract; a failed load is retried on the next call.
 */
export function lazyPort<T extends object>(methods: readonly (keyof T & string)[], load: () => Promise<T>): T {
  const get = once(load);
  const port: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of methods) {
    port[method] = async (...args) => {
      const target = await get();
      return (target[method] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    };
  }
  return port as T;
}
