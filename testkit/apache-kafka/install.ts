/**
 * Where real Apache Kafka lives for the test bed, and how it gets there: every runtime jar of the pinned
 * version, resolved from Maven Central by pom.xml beside this file (`mvn dependency:copy-dependencies`), plus the
 * bind-host shim (bind-host.c) compiled with the system C compiler. Both go under `<cache>/apache-kafka-<version>/`
 * (`.cache/` is ignored by git); tools/deps/kafka.ts runs `ensureApacheKafka` before `npm test`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, '..', '..');
export const POM_FILE = join(here, 'pom.xml');
const SHIM_SOURCE = join(here, 'bind-host.c');

/** The Kafka version pom.xml pins (read from it, so the two can never disagree). */
export const KAFKA_VERSION = (() => {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM_FILE, 'utf8'));
  if (!match) throw new Error(`${POM_FILE} has no <kafka.version>`);
  return match[1]!;
})();

export function defaultCacheDir(): string {
  return process.env['BROKERLINK_CACHE_DIR'] ?? join(projectRoot, '.cache');
}

export interface ApacheKafkaInstall {
  version: string;
  /** Folder holding every runtime jar (the JVM's classpath is `<libs>/*`). */
  libs: string;
  /** The LD_PRELOAD shim that makes a wildcard bind mean the node's own host address. */
  bindShim: string;
}

export function apacheKafkaInstall(cacheDir = defaultCacheDir()): ApacheKafkaInstall {
  const root = join(cacheDir, `apache-kafka-${KAFKA_VERSION}`);
  return { version: KAFKA_VERSION, libs: join(root, 'libs'), bindShim: join(root, 'bind-host.so') };
}

/** True when the jars and the shim of the pinned version are in the cache. */
export function apacheKafkaInstalled(cacheDir = defaultCacheDir()): boolean {
  const install = apacheKafkaInstall(cacheDir);
  return existsSync(join(install.libs, '.complete')) && existsSync(install.bindShim);
}

/** Fetches what is missing (idempotent; a no-op when cached). Needs `mvn` and `cc` on PATH when it has work. */
export async function ensureApacheKafka(cacheDir = defaultCacheDir()): Promise<ApacheKafkaInstall> {
  const install = apacheKafkaInstall(cacheDir);
  if (!existsSync(join(install.libs, '.complete'))) {
    // Into a fresh folder first, then renamed: an interrupted fetch never looks complete.
    const partial = `${install.libs}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    try {
      await run(
        'mvn',
        [
          '-B',
          '-q',
          '-f',
          POM_FILE,
          'dependency:copy-dependencies',
          '-DincludeScope=runtime',
          `-DoutputDirectory=${partial}`,
        ],
        { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      const e = error as { code?: string; stderr?: string; stdout?: string; message: string };
      const detail =
        e.code === 'ENOENT' ? 'mvn is not on PATH (install Maven 3.8+)' : e.stdout || e.stderr || e.message;
      throw new Error(`could not fetch Apache Kafka ${KAFKA_VERSION} from Maven Central: ${detail.trim()}`, {
        cause: error,
      });
    }
    const jars = (await readdir(partial)).filter((name) => name.endsWith('.jar'));
    if (!jars.some((name) => name.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
      throw new Error(`mvn finished but ${partial} holds no kafka_2.13-${KAFKA_VERSION}.jar`);
    }
    await writeFile(join(partial, '.complete'), `${jars.length} jars\n`);
    await rm(install.libs, { recursive: true, force: true });
    await rename(partial, install.libs);
  }
  if (!existsSync(install.bindShim)) {
    try {
      await run('cc', ['-shared', '-fPIC', '-O2', '-o', `${install.bindShim}.tmp`, SHIM_SOURCE, '-ldl'], {
        timeout: 60_000,
      });
    } catch (error) {
      const e = error as { code?: string; stderr?: string; message: string };
      const detail = e.code === 'ENOENT' ? 'cc is not on PATH (install gcc)' : e.stderr || e.message;
      throw new Error(`could not compile ${SHIM_SOURCE}: ${detail.trim()}`, { cause: error });
    }
    await rename(`${install.bindShim}.tmp`, install.bindShim);
  }
  return install;
}

/** `java -version` works: the real-Kafka suite and `npm start -- --kafka apache` need Java 17+. */
export async function javaVersion(): Promise<number | null> {
  try {
    const { stderr } = await run('java', ['-version'], { timeout: 20_000 });
    const match = /version "(\d+)/.exec(stderr);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
