// The pipeline module: load and validate `.workflow/*.yml`, resolve
// parameters, plan and run stages with the step kinds the caller provides.

export { fetchArtifact, insideRoot, packArtifact, unpackArtifact } from './artifacts.js';
export { type CredentialStore, credentialStore, loadCredentials } from './credentials.js';
export { expandString, expandValue, referencedNames } from './expand.js';
export { type Checkout, readCheckout } from './git.js';
export { loadPipeline, parsePipeline } from './load.js';
export * from './model.js';
export { formatPlan, type Plan, planPipeline } from './plan.js';
export { PipelineInvalidError } from './problems.js';
export { formatTable, type RunReport, type StepResult, type StepStatus } from './report.js';
export type { RunOptions } from './run-options.js';
export { failureOf, runPipeline } from './runner.js';
export type * from './step.js';
export { evaluateTriggers, type TriggerDecision, type TriggerEvent } from './triggers.js';
export { isSecretName, loadVarsFile, type ProjectVariable, parseVarFlags } from './variables.js';
