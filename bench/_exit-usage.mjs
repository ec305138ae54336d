// Benchmark support for bench/cli-startup.ts: `node --import ./bench/_exit-usage.mjs …` writes the process's peak
// resident memory (KiB) and its CPU time to the file named by BROKERLINK_EXIT_USAGE when it exits.
import { writeFileSync } from 'node:fs';

const file = process.env.BROKERLINK_EXIT_USAGE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }),
    );
  });
}
