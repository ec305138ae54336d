export * from './classify.ts';
export * from './errors.ts';
export * from './identity.ts';
export * from './options.ts';
export * from './probe.ts';
export * from './versions.ts';
