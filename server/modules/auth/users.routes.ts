import { createUserBody, createUserResult, updateUserBody, userBody, userList, userListQuery } from '../../../contracts/auth.ts';
import { idParams } from '../../../contracts/common.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { createUser, listUsers, updateUser } from './users.service.ts';

export const userRoutes = [
  defineRoute({
    method: 'GET',
    url: '/users',
    access: 'users.manage',
    tag: 'users',
    summary: 'List staff users',
    query: userListQuery,
    response: userList,
    handler: ({ ctx, query }) => listUsers(ctx.db, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/users',
    access: 'users.manage',
    tag: 'users',
    summary: 'Create a staff user; without a password a one-time password is returned once',
    status: 201,
    body: createUserBody,
    response: createUserResult,
    handler: ({ ctx, body, principal, ip }) => createUser(ctx.db, { ...body, actor: actorOf(principal, ip), actorRole: principal!.role }),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/users/:id',
    access: 'users.manage',
    tag: 'users',
    summary: 'Rename, change the role of, disable or re-enable a user',
    params: idParams,
    body: updateUserBody,
    response: userBody,
    handler: ({ ctx, params, body, principal, ip }) =>
      updateUser(ctx.db, { id: params.id, ...body, actor: actorOf(principal, ip), actorRole: principal!.role }),
  }),
];
