/** Webhook delivery by the runtime (Node only): see README.md in this folder. */
export { checkWebhookTarget, classifyAddress, defaultLookup, type AddressClass, type LookupFn, type ResolvedAddress, type TargetCheck, type TargetCheckOptions, type TargetRefusal } from './ssrf-guard.js';
export { deliverWebhook, classifyResponse, parseRetryAfter, nodeRequester, defaultUserAgent, type DeliverOptions, type DeliveryResult, type PinnedRequest, type RawResponse, type Requester, type WebhookEffect } from './deliver.js';
export { InMemoryDeliveryLedger, type ClaimResult, type DeliveryLedger } from './ledger.js';
export { WebhookOutbox, systemClock, type Clock, type DeadLetter, type DeliverFn, type EffectSource, type PollSource, type StopResult, type WebhookOutboxOptions } from './outbox-worker.js';
