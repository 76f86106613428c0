import { AppError } from '../../platform/errors.ts';

export const segmentErrors = {
  notFound: (id: number) => new AppError('SEGMENT_NOT_FOUND', 'not_found', `Segment ${id} does not exist.`),
  nameTaken: (name: string) => new AppError('SEGMENT_NAME_TAKEN', 'conflict', `A segment named "${name}" already exists.`),
  inUse: (id: number, by: string[]) =>
    new AppError('SEGMENT_IN_USE', 'conflict', `Segment ${id} is used by: ${by.join(', ')}.`, { usedBy: by }),
  notDynamic: (id: number) =>
    new AppError('SEGMENT_NOT_DYNAMIC', 'invalid', `Segment ${id} is static: its members come from a list, not rules.`),
};
