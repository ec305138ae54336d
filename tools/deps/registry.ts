import { kafka } from './kafka.ts';
import { moto } from './moto.ts';

/*
 * What the test suite needs beyond npm packages (real Kafka jars from Maven Central, moto from PyPI, Go tools
 * from the Go module proxy, ...). `npm test` runs `tools/deps/fetch.ts` first (the `pretest` script), which
 * ensures each of these is present in `.cache/` (ignored by git), fetching it only when missing, so a fresh
 * machine needs no extra step and a warm one pays nothing.
 *
 * To add one: write `tools/deps/<name>.ts` exporting a `Dependency` and list it below. `ensure` must be
 * idempotent, must pin exact versions, and must put everything under `cacheDir`.
 */

export interface Dependency {
  /** Short name for log lines, e.g. "kafka-jars". */
  name: string;
  /** Fetches what is missing; a no-op when the cache already holds the pinned version. */
  ensure(cacheDir: string): Promise<void>;
}

export const dependencies: readonly Dependency[] = [moto, kafka];
