export { emit, emitWhenWanted, type EmitInput } from './emit.ts';
export { dispatchEvents, retryDelaySeconds } from './dispatcher.ts';
export { listDomainEvents, pruneEvents, redeliver, type DomainEventFilter } from './browse.ts';
export { subscribeTypes, syncSubscriptions, type DeliveredEvent, type EventSubscription } from './subscription.ts';
