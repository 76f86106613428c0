import type { CustomerData } from '../../platform/registry.ts';

/**
 * A person's conversations with the bot follow them through a merge. They are not exported as a section of their own
 * (a handed-over conversation is in the ticket's); erasure deletes them with every question asked.
 */
export const knowledgeData: readonly CustomerData[] = [{ table: 'bot_conversations', export: false, erase: 'delete', undo: 'ignore' }];
