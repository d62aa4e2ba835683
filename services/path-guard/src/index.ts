export {
  AccessDenied,
  contain,
  INTENT,
  type Intent,
  type Located,
  locate,
  type Resolved,
  resolvePath,
  type Scope,
} from './locate.js';
export { loadRoots, type Root, within } from './roots.js';
