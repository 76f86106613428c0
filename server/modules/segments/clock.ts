import type { AppContext } from '../../platform/context.ts';
import { storeClockOf } from '../system/index.ts';
import type { Clock } from './rules.service.ts';

/** The store's clock and time zone, with the fields the modules offer to segment rules. */
export const clockOf = async (ctx: AppContext): Promise<Clock> => ({ ...(await storeClockOf(ctx)), fields: ctx.modules.segmentFields });
