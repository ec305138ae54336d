export {
  editProperties,
  escapeKey,
  escapeValue,
  getProperty,
  type PropertiesDocument,
  type PropertiesEntry,
  type PropertyEdit,
  parseProperties,
  propertiesToMap,
  serializeProperties,
} from './document.ts';
export * from './errors.ts';
export {
  type ApplyOptions,
  type ApplyResult,
  applyListenerExposures,
  DEFAULT_LISTENERS,
  formatEndpoint,
  type ListenerConfig,
  type ListenerEndpoint,
  type ListenerExposure,
  listenerExposureSchema,
  listenerExposuresSchema,
  listenerViews,
  parseExposures,
  readListenerConfig,
  type SecurityProtocol,
  securityProtocols,
} from './listeners.ts';
export { type NewClusterNode, newClusterNodeSchema, renderNewClusterProperties } from './render.ts';
