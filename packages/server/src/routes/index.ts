/** The route table of the governance API, in the order the OpenAPI document lists it. */
import type { AnyRoute } from '../route.js';
import { accessRequestRoutes } from './access-requests.js';
import { annotationRoutes } from './annotations.js';
import { answerRoutes } from './answers.js';
import { auditRoutes } from './audit.js';
import { grantRoutes } from './grants.js';
import { lineageRoutes } from './lineage.js';
import { policyRoutes } from './policies.js';
import { principalRoutes } from './principals.js';
import { roleRoutes } from './roles.js';
import { runRoutes } from './runs.js';
import { tableRoutes } from './tables.js';
import { tokenRoutes } from './tokens.js';

/** Every route under /api/v1. */
export function allRoutes(): AnyRoute[] {
  return [
    ...principalRoutes,
    ...tokenRoutes,
    ...roleRoutes,
    ...grantRoutes,
    ...policyRoutes,
    ...annotationRoutes,
    ...accessRequestRoutes,
    ...tableRoutes,
    ...runRoutes,
    ...auditRoutes,
    ...lineageRoutes,
    ...answerRoutes,
  ];
}
