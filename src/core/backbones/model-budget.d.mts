// Types for model-budget.mjs (plain JavaScript so the Node share service can run it too).
export interface ModelBudget {
  maxLayers: number;
  maxLayerOutputElements: number;
  maxActivationBytes: number;
  maxFlops: number;
  maxNesting: number;
}
export const DEFAULT_BUDGET: Readonly<ModelBudget>;
export type BudgetResult =
  | { ok: true; layers: number; flops: number; activationBytes: number; largestLayer: { name: string; elements: number } }
  | { ok: false; reason: string };
export function checkModelBudget(topology: unknown, limits?: Partial<ModelBudget>): BudgetResult;
export function checkGraphBudget(nodes: unknown, maxNodes?: number): { ok: true } | { ok: false; reason: string };
