import { AppError } from '../../platform/errors.ts';

export const customerErrors = {
  notFound: (id: number) => new AppError('CUSTOMER_NOT_FOUND', 'not_found', `Customer ${id} does not exist.`),
  merged: (id: number, into: number) =>
    new AppError('CUSTOMER_MERGED', 'not_found', `Customer ${id} was merged into customer ${into}.`, { mergedInto: into }),
  erased: () =>
    new AppError(
      'IDENTITY_ERASED',
      'conflict',
      'These identifiers belong to a person whose data was erased at their request; they are not re-created silently.',
    ),
  revealForbidden: () =>
    new AppError('PII_REVEAL_FORBIDDEN', 'forbidden', 'Your role may not see unmasked personal data.', { permission: 'pii.read' }),
  noIdentifier: () =>
    new AppError('CUSTOMER_IDENTIFIER_REQUIRED', 'invalid', 'Give at least one valid identifier: an external id, e-mail or phone.'),
  unknownPanel: (key: string) =>
    new AppError('PANEL_UNKNOWN', 'invalid', `No module declares a 360 panel "${key}" (see /customers/panels).`, { key }),
  badCursor: () => new AppError('INVALID_CURSOR', 'invalid', 'The cursor is not one this API returned.'),
};
