import type { FastifyReply } from 'fastify';

/** A file to save: its type and name on the reply, its content returned. */
export const attachment = (reply: FastifyReply, contentType: string, name: string, content: string) => {
  reply.header('content-type', contentType).header('content-disposition', `attachment; filename="${name}"`);
  return content;
};
