import { type ReturnSettings, returnSettings } from '../../../contracts/returns.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { readSetting, writeSetting } from '../system/index.ts';

export const returnErrors = {
  notFound: (id: number) => new AppError('RETURN_NOT_FOUND', 'not_found', `Return ${id} does not exist.`),
  orderNotFound: (id: number) => new AppError('ORDER_NOT_FOUND', 'not_found', `Order ${id} does not exist.`),
  notReturnable: (status: string) =>
    new AppError('RETURN_ORDER_NOT_RETURNABLE', 'conflict', `An order that is ${status} cannot be returned (it was never paid).`, {
      status,
    }),
  windowClosed: (days: number) =>
    new AppError('RETURN_WINDOW_CLOSED', 'conflict', `Returns are taken within ${days} days of delivery.`, { windowDays: days }),
  reason: (key: string) => new AppError('RETURN_REASON_UNKNOWN', 'invalid', `"${key}" is not one of the store's return reasons.`),
  line: (id: number) => new AppError('RETURN_LINE_UNKNOWN', 'invalid', `Line ${id} is not part of this order or return.`, { line: id }),
  quantity: (orderItemId: number, asked: number, left: number) =>
    new AppError(
      'RETURN_QUANTITY_EXCEEDED',
      'invalid',
      `Line ${orderItemId}: ${asked} asked for, ${left} can still be returned (bought, less what other returns hold).`,
      { orderItemId, asked, returnable: left },
    ),
  state: (move: string, state: string, allowed: readonly string[]) =>
    new AppError(
      'RETURN_STATE_CONFLICT',
      'conflict',
      `A return that is ${state} cannot be moved by "${move}" (only from ${allowed.join(', ')}).`,
      {
        move,
        state,
        allowed,
      },
    ),
  photo: (name: string) => new AppError('RETURN_PHOTO_TOO_LARGE', 'invalid', `Photo "${name}" is over 2 MB or not valid base64.`),
  settings: (why: string) => new AppError('RETURN_SETTINGS_INVALID', 'invalid', why),
};

const KEY = 'returns';
export const DEFAULT_RETURNS: ReturnSettings = returnSettings.parse({});

export const returnSettingsOf = async (db: Db): Promise<ReturnSettings> =>
  returnSettings.parse(await readSetting(db, KEY, DEFAULT_RETURNS));

export function writeReturnSettings(db: Db, value: ReturnSettings, actor: Actor) {
  const keys = value.reasons.map((r) => r.key);
  if (new Set(keys).size !== keys.length) throw returnErrors.settings('Two return reasons share a key.');
  const unknown = value.autoApprove.reasons.find((r) => !keys.includes(r));
  if (unknown) throw returnErrors.settings(`Auto-approval names the reason "${unknown}", which is not in the list.`);
  return writeSetting(db, { key: KEY, value, fallback: DEFAULT_RETURNS, actor });
}
