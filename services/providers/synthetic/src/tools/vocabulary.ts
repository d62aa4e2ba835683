import type { Domain } from './entity.js';
import { BUSINESS_SYSTEMS } from './systems-business.js';
import { OPERATIONS_SYSTEMS } from './systems-operations.js';

/**
 * The systems a platform team typically fronts with tools: the synthetic catalog's vocabulary.
 * The order is part of the seed: the same seed gives the same tools only in this order.
 */
export const DOMAINS: readonly Domain[] = [...BUSINESS_SYSTEMS, ...OPERATIONS_SYSTEMS];
