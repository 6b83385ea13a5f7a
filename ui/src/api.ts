// Thin, typed wrappers around the studio's IPC commands (src-tauri/src/commands.rs). The types
// are generated from Rust into ./bindings.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ComponentInfo } from "./bindings/ComponentInfo";
import type { ConnectorInfo } from "./bindings/ConnectorInfo";
import type { CredentialInfo } from "./bindings/CredentialInfo";
import type { CredentialInput } from "./bindings/CredentialInput";
import type { CredentialTypeInfo } from "./bindings/CredentialTypeInfo";
import type { DatabaseTable } from "./bindings/DatabaseTable";
import type { Flow } from "./bindings/Flow";
import type { FlowDiff } from "./bindings/FlowDiff";
import type { FlowDocument } from "./bindings/FlowDocument";
import type { FlowListing } from "./bindings/FlowListing";
import type { FlowReview } from "./bindings/FlowReview";
import type { FlowVersion } from "./bindings/FlowVersion";
import type { ImportOutcome } from "./bindings/ImportOutcome";
import type { Problem } from "./bindings/Problem";
import type { RunDetail } from "./bindings/RunDetail";
import type { RunNotice } from "./bindings/RunNotice";
import type { RunRecord } from "./bindings/RunRecord";
import type { NodeSettingLabels } from "./bindings/NodeSettingLabels";
import type { RunReport } from "./bindings/RunReport";
import type { Schedule } from "./bindings/Schedule";
import type { ScheduleInfo } from "./bindings/ScheduleInfo";
import type { TemplateInfo } from "./bindings/TemplateInfo";
import type { Trial } from "./bindings/Trial";
import type { UpdateStatus } from "./bindings/UpdateStatus";
import type { Word } from "./bindings/Word";

export const api = {
  components: () => invoke<ComponentInfo[]>("components"),
  listFlows: () => invoke<FlowListing[]>("list_flows"),
  createFlow: (name: string) => invoke<FlowDocument>("create_flow", { name }),
  openFlow: (id: string) => invoke<FlowDocument>("open_flow", { id }),
  /** The flows a person can start from (the gallery), each with its node types in order. */
  templates: () => invoke<TemplateInfo[]>("templates"),
  /** A new stored flow made from a fresh copy of a template's files and sample data. */
  createFromTemplate: (id: string) => invoke<FlowDocument>("create_from_template", { id }),
  saveFlow: (flow: Flow, pasted: string[]) => invoke<FlowDocument>("save_flow", { flow, pasted }),
  renameFlow: (id: string, name: string) => invoke<number>("rename_flow", { id, name }),
  duplicateFlow: (id: string, name: string) => invoke<FlowDocument>("duplicate_flow", { id, name }),
  deleteFlow: (id: string) => invoke<void>("delete_flow", { id }),
  flowVersions: (id: string) => invoke<FlowVersion[]>("flow_versions", { id }),
  /** What restoring `version` would change in the flow as it is now. */
  flowVersionDiff: (id: string, version: number) => invoke<FlowDiff>("flow_version_diff", { id, version }),
  /** Keeps the current version as it is (saved on purpose): the next edit starts a new one. */
  keepFlowVersion: (id: string) => invoke<void>("keep_flow_version", { id }),
  restoreFlowVersion: (id: string, version: number) =>
    invoke<FlowDocument>("restore_flow_version", { id, version }),
  validateFlow: (flow: Flow) => invoke<Problem[]>("validate_flow", { flow }),
  /** Runs `upto` and what is upstream of it (the whole flow when null) on a few records; pinned
   *  nodes send their samples on instead of running what is before them. */
  previewFlow: (flow: Flow, limit: number, live: string[], upto: string | null, pinned: Record<string, Record<string, unknown>[]>) =>
    invoke<RunReport>("preview_flow", { flow, limit, live, upto, pinned }),
  /** The samples pinned as test input in a stored flow, by node (kept on this computer only). */
  pinnedSamples: (id: string) => invoke<Record<string, Record<string, unknown>[]>>("pinned_samples", { id }),
  /** Pins `records` as `node`'s test input in a stored flow, or unpins it (null). */
  pinSample: (id: string, node: string, records: Record<string, unknown>[] | null) =>
    invoke<void>("pin_sample", { id, node, records }),
  nodeSettingLabels: () => invoke<NodeSettingLabels>("node_setting_labels"),
  /** The filters and functions expressions can use, each with an example and help, for completion. */
  expressionVocabulary: () => invoke<Word[]>("expression_vocabulary"),
  /** `expression` tried on sample records (the engine takes at most 50) with the flow's `vars`: a
   *  value or an error per record; rejects with the message when the expression does not compile. */
  tryExpression: (vars: Record<string, unknown>, expression: string, records: Record<string, unknown>[]) =>
    invoke<Trial[]>("try_expression", { vars, expression, records }),
  runFlow: (id: string) => invoke<string>("run_flow", { id }),
  cancelRun: (runId: string) => invoke<boolean>("cancel_run", { runId }),
  listRuns: (flowId: string | null, limit: number) =>
    invoke<RunRecord[]>("list_runs", { flowId, limit }),
  runDetail: (runId: string) => invoke<RunDetail>("run_detail", { runId }),
  /** Writes the flow to share; answers warnings about what may not travel (absolute paths). */
  exportFlow: (id: string, path: string) => invoke<string[]>("export_flow", { id, path }),
  importFlow: (path: string) => invoke<ImportOutcome>("import_flow", { path }),
  connectors: () => invoke<ConnectorInfo[]>("list_connectors"),
  importConnector: (path: string) => invoke<ConnectorInfo>("import_connector", { path }),
  removeConnector: (id: string) => invoke<null>("remove_connector", { id }),
  reviewFlow: (id: string) => invoke<FlowReview>("review_flow", { id }),
  approveFlow: (id: string) => invoke<FlowReview>("approve_flow", { id }),
  describeSchedule: (schedule: Schedule) => invoke<ScheduleInfo>("describe_schedule", { schedule }),
  schedulesPaused: () => invoke<boolean>("schedules_paused"),
  setSchedulesPaused: (paused: boolean) => invoke<void>("set_schedules_paused", { paused }),
  startAtLogin: () => invoke<boolean>("start_at_login"),
  setStartAtLogin: (enabled: boolean) => invoke<void>("set_start_at_login", { enabled }),
  credentialTypes: () => invoke<CredentialTypeInfo[]>("credential_types"),
  listCredentials: () => invoke<CredentialInfo[]>("list_credentials"),
  saveCredential: (input: CredentialInput, editing: string | null) =>
    invoke<CredentialInfo>("save_credential", { input, editing }),
  removeCredential: (name: string) => invoke<string[]>("remove_credential", { name }),
  testCredential: (name: string) => invoke<string>("test_credential", { name }),
  /** The tables a database credential can read, with their columns. */
  credentialTables: (name: string) => invoke<DatabaseTable[]>("credential_tables", { name }),
  connectOAuth2: (name: string) => invoke<CredentialInfo>("connect_oauth2", { name }),
  webhookUrl: (flow: string) => invoke<string>("webhook_url", { flow }),
  disconnectOAuth2: (name: string) => invoke<void>("disconnect_oauth2", { name }),
  updateStatus: () => invoke<UpdateStatus>("update_status"),
  takeUpdatesRequest: () => invoke<boolean>("take_updates_request"),
  checkForUpdates: () => invoke<UpdateStatus>("check_for_updates"),
  downloadUpdate: () => invoke<UpdateStatus>("download_update"),
  installUpdate: () => invoke<UpdateStatus>("install_update"),
  onUpdateStatus: (handler: (status: UpdateStatus) => void): Promise<UnlistenFn> =>
    listen<UpdateStatus>("update-status", (event) => handler(event.payload)),
  onUpdatesRequested: (handler: () => void): Promise<UnlistenFn> => listen("updates-requested", handler),
  onRun: (handler: (notice: RunNotice) => void): Promise<UnlistenFn> =>
    listen<RunNotice>("run", (event) => handler(event.payload)),
};

/** The message of an error a command returned (commands answer errors as readable text). */
export function errorText(error: unknown): string {
  return typeof error === "string" ? error : error instanceof Error ? error.message : String(error);
}
