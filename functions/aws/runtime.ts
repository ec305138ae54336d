import { once } from '../../shared/util/once.ts';
import { type FunctionConfig, readConfig } from './config.ts';
import { createLogger, type Logger, parseLogLevel } from './log.ts';

/*
 * Per-container singletons: configuration and logger, created on first use and reused by every invocation the
 * container serves. SDK clients live in ./sdk-clients.ts (triggers) and ./deps.ts (tasks, loaded on first use).
 */

export const config: () => FunctionConfig = once(() => readConfig());

export const logger: () => Logger = once(() => createLogger({ level: parseLogLevel(process.env['LOG_LEVEL']) }));
