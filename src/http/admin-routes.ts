/**
 * Admin pages (issue 5), admins only:
 *
 * - GET  /admin/users                     every user; invite (add) a user, change role, disable or enable
 * - POST /admin/users                     invite: add a user with a role (they sign in with their address)
 * - POST /admin/users/:id/role            viewer | admin
 * - POST /admin/users/:id/status          active | disabled (disabling ends their sessions; tokens stop working)
 * - GET  /admin/audit?page=N&action=A&user=ID  the audit log, newest first, 50 a page: all of it, one action
 *                                         (e.g. `download`: who downloaded what) and/or one person's
 * (/admin/refresh, the refresh history and "Refresh now", is in refresh-routes.ts.)
 *
 * An admin cannot demote or disable themselves, so the service always keeps an active admin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authFor } from '../auth/service.ts';
import * as store from '../auth/store.ts';
import type { Role } from '../domain/access.ts';
import { checkEmail, describeAllowedDomains, SUB_ADDRESS_REFUSED } from '../domain/email-domains.ts';
import { formatDateTime, formatNumber } from '../web/format.ts';
import { formBody, sendFormPage, uuidParams } from './forms.ts';
import type { RouteContext } from './route-context.ts';

export const AUDIT_PAGE_SIZE = 50;

const USER_ID_PARAMS = uuidParams('must be a user id');

const ROLE_FIELD = { type: 'string', enum: ['viewer', 'admin'] } as const;

const inviteBodySchema = formBody({ email: { type: 'string', maxLength: 320 }, role: ROLE_FIELD }, [
  'email',
  'role',
]);

const roleBodySchema = formBody({ role: ROLE_FIELD }, ['role']);

const statusBodySchema = formBody({ status: { type: 'string', enum: ['active', 'disabled'] } }, ['status']);

const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    page: { type: 'string', pattern: '^[1-9][0-9]{0,6}$', description: 'must be a page number: 1, 2, 3 …' },
    action: {
      type: 'string',
      maxLength: 40,
      pattern: '^[a-z.-]*$',
      description: 'must be an action of the audit log, like download',
    },
    user: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9-]*$', description: 'must be a user id' },
  },
} as const;

/** How the audit log's filter names an action. */
const ACTION_TEXT: Readonly<Record<string, string>> = {
  download: 'Downloads (who downloaded what)',
  'sign-in': 'Sign-ins',
  'sign-out': 'Sign-outs',
};

const when = (d: Date | string | null) =>
  d ? formatDateTime(typeof d === 'string' ? d : d.toISOString()) : '–';

export function registerAdminRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const auth = authFor(ctx.deps);
  const admin = { access: 'admin' as const };

  async function renderUsers(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { error?: string | null; notice?: string | null; email?: string } = {},
  ) {
    const users = await store.listUsers(auth.db);
    const view = {
      csrfToken: await auth.csrfToken(request, reply),
      error: extra.error ?? null,
      notice: extra.notice ?? null,
      email: extra.email ?? '',
      domainsText: describeAllowedDomains(auth.config.allowedDomains),
      users: users.map((u) => ({
        id: u.userId,
        email: u.email,
        role: u.role,
        roleText: u.role === 'admin' ? 'Admin' : 'Viewer',
        active: u.status === 'active',
        statusText: u.status === 'active' ? 'Active' : 'Disabled',
        created: when(u.createdAt),
        lastSignIn: u.lastSignInAt ? when(u.lastSignInAt) : 'Never',
        self: u.userId === request.viewer.userId,
        activityHref: `/admin/audit?user=${encodeURIComponent(u.userId)}`,
        downloadsHref: `/admin/audit?action=download&user=${encodeURIComponent(u.userId)}`,
      })),
    };
    const title = extra.error ? 'Error: Users' : 'Users';
    return sendFormPage(
      reply,
      status,
      ctx.renderer.page('admin/users.njk', { pageTitle: title, view }, '/admin'),
    );
  }

  // An admin who types /admin lands on the first admin page rather than "Page not found".
  app.get('/admin', { config: admin }, async (_request, reply) =>
    reply.header('Cache-Control', 'no-store').redirect('/admin/users', 303),
  );

  app.get('/admin/users', { config: admin }, async (request, reply) => renderUsers(request, reply, 200));

  app.post('/admin/users', { config: admin, schema: { body: inviteBodySchema } }, async (request, reply) => {
    const body = request.body as { email: string; role: Role };
    const checked = checkEmail(body.email, auth.config.allowedDomains);
    if (!checked.ok) {
      return renderUsers(request, reply, 400, {
        error:
          checked.problem === 'domain-not-allowed'
            ? `Only addresses ending ${describeAllowedDomains(auth.config.allowedDomains)} can be added`
            : checked.problem === 'sub-address'
              ? `Enter the address without the +tag: ${SUB_ADDRESS_REFUSED}`
              : 'Enter an email address in the correct format, like name@nhs.net',
        email: body.email.slice(0, 320),
      });
    }
    if (await store.findUserByEmail(auth.db, checked.email)) {
      return renderUsers(request, reply, 400, {
        error: 'There is already a user with that email address',
        email: checked.email,
      });
    }
    const user = await store.insertUser(auth.db, {
      email: checked.email,
      role: body.role,
      now: auth.now(),
      createdBy: request.viewer.userId,
    });
    await auth.audit(request, {
      action: 'user.invite',
      target: `user:${user.userId}`,
      outcome: 'success',
      detail: `role ${body.role}`,
    });
    return reply.header('Cache-Control', 'no-store').redirect('/admin/users', 303);
  });

  app.post(
    '/admin/users/:id/role',
    { config: admin, schema: { params: USER_ID_PARAMS, body: roleBodySchema } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { role } = request.body as { role: Role };
      if (id === request.viewer.userId) {
        return renderUsers(request, reply, 400, { error: 'You cannot change your own role' });
      }
      if (!(await store.setUserRole(auth.db, id, role))) return reply.callNotFound();
      // Sessions carry the role as read at each request; ending them makes the change visible at once.
      await store.deleteUserSessions(auth.db, id);
      await auth.audit(request, {
        action: 'user.role',
        target: `user:${id}`,
        outcome: 'success',
        detail: `role ${role}`,
      });
      return reply.header('Cache-Control', 'no-store').redirect('/admin/users', 303);
    },
  );

  app.post(
    '/admin/users/:id/status',
    { config: admin, schema: { params: USER_ID_PARAMS, body: statusBodySchema } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { status } = request.body as { status: store.UserStatus };
      if (id === request.viewer.userId) {
        return renderUsers(request, reply, 400, { error: 'You cannot disable your own account' });
      }
      if (!(await store.setUserStatus(auth.db, id, status))) return reply.callNotFound();
      if (status === 'disabled') await store.deleteUserSessions(auth.db, id);
      await auth.audit(request, {
        action: status === 'disabled' ? 'user.disable' : 'user.enable',
        target: `user:${id}`,
        outcome: 'success',
        detail: null,
      });
      return reply.header('Cache-Control', 'no-store').redirect('/admin/users', 303);
    },
  );

  app.get(
    '/admin/audit',
    { config: admin, schema: { querystring: auditQuerySchema } },
    async (request, reply) => {
      const q = request.query as { page?: string; action?: string; user?: string };
      const page = Number(q.page ?? '1');
      const filter = { action: q.action ?? '', actorUserId: q.user ?? '' };
      const total = await store.auditCount(auth.db, filter);
      const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
      if (page > pages) return reply.callNotFound();
      const rows = await store.auditPage(auth.db, AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE, filter);
      const users = await store.listUsers(auth.db);
      const actions = await store.auditActions(auth.db);
      // The links of the page keep its filter.
      const href = (p: number) => {
        const params = new URLSearchParams();
        if (p > 1) params.set('page', String(p));
        if (filter.action) params.set('action', filter.action);
        if (filter.actorUserId) params.set('user', filter.actorUserId);
        const qs = params.toString();
        return qs ? `/admin/audit?${qs}` : '/admin/audit';
      };
      const who = users.find((u) => u.userId === filter.actorUserId);
      const emailOf = new Map(users.map((u) => [u.userId, u.email]));
      const view = {
        page,
        pages,
        totalText: formatNumber(total),
        filtered: Boolean(filter.action || filter.actorUserId),
        filterText: [
          filter.action ? `action “${filter.action}”` : null,
          filter.actorUserId ? `by ${who?.email ?? `user ${filter.actorUserId.slice(0, 8)}`}` : null,
        ]
          .filter(Boolean)
          .join(', '),
        actionItems: [
          { value: '', text: 'Every action', selected: !filter.action },
          ...[...new Set([...actions, 'download', ...(filter.action ? [filter.action] : [])])]
            .sort()
            .map((a) => ({ value: a, text: ACTION_TEXT[a] ?? a, selected: a === filter.action })),
        ],
        userItems: [
          { value: '', text: 'Everyone', selected: !filter.actorUserId },
          ...users.map((u) => ({
            value: u.userId,
            text: u.email,
            selected: u.userId === filter.actorUserId,
          })),
        ],
        previousHref: page > 1 ? href(page - 1) : null,
        nextHref: page < pages ? href(page + 1) : null,
        rows: rows.map((r) => ({
          at: when(r.at),
          actor: actorText(r),
          action: r.action,
          target: targetText(r.target, emailOf),
          outcome: r.outcome,
          detail: r.detail ?? '',
          client: r.clientHash ?? '',
        })),
      };
      return sendFormPage(
        reply,
        200,
        ctx.renderer.page(
          'admin/audit.njk',
          {
            pageTitle: `Audit log${view.filtered ? `: ${view.filterText}` : ''} (page ${page} of ${pages})`,
            view,
          },
          '/admin',
        ),
      );
    },
  );
}

/**
 * Who did it: the signed-in person's email; the operator for a command run on the server (its detail starts
 * "cli"); otherwise nobody was signed in (a sign-in link asked for, say).
 */
export function actorText(r: {
  actorEmail: string | null;
  actorUserId: string | null;
  detail: string | null;
}): string {
  if (r.actorEmail) return r.actorEmail;
  if (r.actorUserId) return `user ${r.actorUserId.slice(0, 8)}`;
  return r.detail === 'cli' || r.detail?.startsWith('cli:') ? 'Operator (command line)' : 'Not signed in';
}

/**
 * An audit entry's target as an admin reads it: a user's email address (an admin sees every user's on the users
 * page) rather than their internal id; any other target as recorded.
 */
export function targetText(target: string | null, emailOf: ReadonlyMap<string, string>): string {
  if (!target) return '';
  const m = /^user:(.+)$/.exec(target);
  const email = m ? emailOf.get(m[1]!) : undefined;
  return email ? `user ${email}` : target;
}
