/** API tokens: issue, list, revoke and rotate (a principal manages its own; MANAGE on the catalog, anyone's). */
import * as z from 'zod';
import { route } from '../route.js';
import { IssuedToken, Name, TokenInfo } from '../schemas.js';

const tags = ['tokens'];
const IssueBody = z
  .object({
    name: z.string().min(1).max(128).optional(),
    expiresAt: z.iso.datetime().optional(),
    ttlSeconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86400)
      .optional(),
  })
  .strict();
type Issue = z.output<typeof IssueBody>;

const issueOptions = (b: Issue) => ({
  ...(b.name !== undefined ? { name: b.name } : {}),
  ...(b.expiresAt !== undefined ? { expiresAt: b.expiresAt } : {}),
  ...(b.ttlSeconds !== undefined ? { ttlSeconds: b.ttlSeconds } : {}),
});
const TokenId = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a token id') }).strict();

export const tokenRoutes = [
  route({
    method: 'get',
    path: '/api/v1/me/tokens',
    summary: "The caller's tokens (no secrets)",
    tags,
    response: z.array(TokenInfo),
    handler: ({ gov, principal }) => gov.listTokens(principal.name),
  }),
  route({
    method: 'post',
    path: '/api/v1/me/tokens',
    summary: 'Issue a token for the caller (the secret is shown once)',
    tags,
    status: 201,
    body: IssueBody,
    bodyOptional: true,
    response: IssuedToken,
    handler: ({ gov, actor, principal, body }) => gov.issueToken(actor, principal.name, issueOptions(body)),
  }),
  route({
    method: 'get',
    path: '/api/v1/principals/{name}/tokens',
    summary: "A principal's tokens (itself, or anyone for MANAGE on the catalog)",
    tags,
    params: z.object({ name: Name }).strict(),
    response: z.array(TokenInfo),
    handler: async ({ gov, access, principal, params }) => {
      if (params.name !== principal.name) {
        await access.requireAdmin(`listing the tokens of ${params.name}`, `principal:${params.name}`);
      }
      return gov.listTokens(params.name);
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/principals/{name}/tokens',
    summary: 'Issue a token for a principal (itself, or anyone for MANAGE on the catalog)',
    tags,
    status: 201,
    params: z.object({ name: Name }).strict(),
    body: IssueBody,
    bodyOptional: true,
    response: IssuedToken,
    handler: ({ gov, actor, params, body }) => gov.issueToken(actor, params.name, issueOptions(body)),
  }),
  route({
    method: 'delete',
    path: '/api/v1/tokens/{id}',
    summary: 'Revoke a token',
    tags,
    params: TokenId,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.revokeToken(actor, params.id);
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/tokens/{id}/rotate',
    summary: 'Issue a replacement token; the old one expires after graceSeconds (default 0)',
    tags,
    status: 201,
    params: TokenId,
    body: z
      .object({
        graceSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 86400)
          .optional(),
      })
      .strict(),
    bodyOptional: true,
    response: IssuedToken,
    handler: ({ gov, actor, params, body }) =>
      gov.rotateToken(
        actor,
        params.id,
        body.graceSeconds !== undefined ? { graceSeconds: body.graceSeconds } : {},
      ),
  }),
];
