/**
 * The Suzhou legal-aid eligibility policy, `cn-320500`. Jiangsu's revised Legal Aid
 * Regulations (in force 2025-01-01) tie the hardship standard to the local minimum wage for
 * the whole province, so Suzhou runs the rules of cn-320100 over its own parameters: its
 * districts and county-level cities, their wage class, and its own programmes' citations.
 * What no source was found for is marked as an assumption in the data (DOMAIN.md).
 */

import { GatewayError } from '../errors.ts';
import { MATTER_CATEGORIES } from './matter-categories.ts';
import { createJiangsuCityPolicy, createNanjingPolicy } from './nanjing-policy.ts';
import {
  NANJING_PARAMETERS,
  type NanjingParameters,
  type RegionEntry,
  type WageClass,
} from './parameters.ts';
import { NANJING_RULES } from './rules.ts';
import type { Policy } from './types.ts';

export const SUZHOU_POLICY_ID = 'cn-320500';
/** Bump when rules, citations or explanation texts change; parameters are covered by the digest. */
export const SUZHOU_POLICY_VERSION = '2026.1';

const JIANGSU = '《江苏省法律援助条例》（2025年1月1日起施行）';

/**
 * Where Suzhou's own programmes differ from Nanjing's citations. Suzhou's commitment groups
 * and green channel are taken to follow the provincial regulations: an assumption, said here.
 */
const SUZHOU_CITATIONS: Readonly<Record<string, string>> = {
  disability_commitment_group: `${JIANGSU}；苏州市困难群体书面承诺（假设与省条例一致）/ Jiangsu Legal Aid Regulations (in force 2025-01-01); Suzhou commitment groups (assumed to follow the provincial regulations)`,
  green_channel: `${JIANGSU}；苏州市“病残孤老灾”绿色通道（假设与省条例一致）/ Jiangsu Legal Aid Regulations; Suzhou green channel (assumed to follow the provincial regulations)`,
};

const place = (code: string, zh: string, en: string, wageClass: WageClass): RegionEntry => ({
  code,
  names: { 'zh-CN': `苏州市${zh}`, en: `${en}, Suzhou` },
  wageClass,
  classAssumed: true,
});

/**
 * The parameters in force for cn-320500 as shipped. The wages are the Jiangsu notices'
 * (DOMAIN.md, same sources as Nanjing); every Suzhou district and county-level city is taken
 * to be class 1, an assumption: no classification notice was consulted for Suzhou.
 * @example SUZHOU_PARAMETERS.regions[0]?.code // '320500'
 */
export const SUZHOU_PARAMETERS: NanjingParameters = {
  ...NANJING_PARAMETERS,
  city: { 'zh-CN': '苏州市', en: 'Suzhou' },
  regions: [
    { code: '320500', names: { 'zh-CN': '苏州市', en: 'Suzhou' }, wageClass: 1, classAssumed: true },
    place('320505', '虎丘区', 'Huqiu District', 1),
    place('320506', '吴中区', 'Wuzhong District', 1),
    place('320507', '相城区', 'Xiangcheng District', 1),
    place('320508', '姑苏区', 'Gusu District', 1),
    place('320509', '吴江区', 'Wujiang District', 1),
    place('320581', '常熟市', 'Changshu', 1),
    place('320582', '张家港市', 'Zhangjiagang', 1),
    place('320583', '昆山市', 'Kunshan', 1),
    place('320585', '太仓市', 'Taicang', 1),
  ],
  classAssumptionNote: {
    'zh-CN': '苏州市及其各区、县级市按一类地区计算，系假设（未查到分类文件原文），可由管理员调整',
    en: 'Suzhou and its districts and county-level cities are taken as class 1, an assumption (no classification notice was found) that the operator can change',
  },
};

/**
 * What the digest commits to, as for Nanjing: rules, citations, categories, parameters.
 * @example digestOf(suzhouPolicyDefinition(SUZHOU_PARAMETERS))
 */
export function suzhouPolicyDefinition(parameters: NanjingParameters): Record<string, unknown> {
  return {
    id: SUZHOU_POLICY_ID,
    version: SUZHOU_POLICY_VERSION,
    rules: NANJING_RULES.map((r) => ({ ...r, citation: SUZHOU_CITATIONS[r.id] ?? r.citation })),
    categories: MATTER_CATEGORIES,
    parameters,
  };
}

/**
 * Creates the Suzhou policy.
 * @example
 * const policy = createSuzhouPolicy();
 * policy.supports('320583') // true (Kunshan)
 */
export function createSuzhouPolicy(options: { readonly parameters?: NanjingParameters } = {}): Policy {
  const parameters = options.parameters ?? SUZHOU_PARAMETERS;
  return createJiangsuCityPolicy({
    id: SUZHOU_POLICY_ID,
    version: SUZHOU_POLICY_VERSION,
    parameters,
    definition: suzhouPolicyDefinition(parameters),
    citations: SUZHOU_CITATIONS,
  });
}

/** The regional policy codes this build ships (`egw start --region`). */
export const REGION_CODES = ['cn-320100', SUZHOU_POLICY_ID] as const;

/**
 * The policy a gateway of region `code` decides under (art. 34: the place where the
 * application is made). Unknown codes are a start-up error.
 * @example regionalPolicy('cn-320500').id // 'cn-320500'
 */
export function regionalPolicy(code: string): Policy {
  if (code === SUZHOU_POLICY_ID) return createSuzhouPolicy();
  if (code === 'cn-320100') return createNanjingPolicy();
  throw new GatewayError('ERR_VALIDATION', 'no policy for the region', {
    facts: { region: code },
    errors: [{ path: 'region', message: `must be one of ${REGION_CODES.join(', ')}` }],
  });
}
