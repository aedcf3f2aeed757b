/**
 * The policy module: the `Policy` contract and the Nanjing policy with its data.
 * @example import { createNanjingPolicy } from './policy/index.ts';
 */
export * from './decision-date.ts';
export * from './matter-categories.ts';
export * from './nanjing-policy.ts';
export * from './parameters.ts';
export * from './rules.ts';
export * from './suzhou-policy.ts';
export type * from './types.ts';
