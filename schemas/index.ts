export * from './common.ts';
export * from './decision.ts';
export * from './id-number.ts';
export * from './problem.ts';
export * from './registry-records.ts';
export * from './review.ts';
export * from './verification-request.ts';
export * from './webhook.ts';
