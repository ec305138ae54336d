import { defineConfig } from 'vitest/config';

/*
 * Two projects, one `npm test`:
 *  - unit: everything but the real-Kafka suite, files in parallel;
 *  - apache-kafka: `*.apache.test.ts`, each file one real Apache Kafka cluster (JVMs on 127.0.0.11-19). It runs
 *    after the unit project (groupOrder) and one file at a time: on 2 cores two JVM clusters would starve each
 *    other, and the files share the address block.
 */
const APACHE = '**/*.apache.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'shared/**/*.test.ts',
            'functions/**/*.test.ts',
            'cli/**/*.test.ts',
            'testkit/**/*.test.ts',
            'test/**/*.test.ts',
            'demo/**/*.test.ts',
            'deploy/**/*.test.ts',
          ],
          exclude: [APACHE, '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          pool: 'forks',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'apache-kafka',
          include: ['test/apache/**/*.apache.test.ts', 'testkit/**/*.apache.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: 'forks',
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
