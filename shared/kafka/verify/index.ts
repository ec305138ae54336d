export * from './errors.ts';
export * from './input.ts';
export * from './render.ts';
export type * from './report.ts';
export * from './verify.ts';
