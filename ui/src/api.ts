// Thin, typed wrappers around the studio's IPC commands (src-tauri/src/commands.rs). The types
// are generated from Rust into ./bindings.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ComponentInfo } from "./bindings/ComponentInfo";
import type { CredentialInfo } from "./bindings/CredentialInfo";
import type { CredentialInput } from "./bindings/CredentialInput";
import type { CredentialTypeInfo } from "./bindings/CredentialTypeInfo";
import type { Flow } from "./bindings/Flow";
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
import type { UpdateStatus } from "./bindings/UpdateStatus";

export const api = {
  components: () => invoke<ComponentInfo[]>("components"),
  listFlows: () => invoke<FlowListing[]>("list_flows"),
  createFlow: (name: string) => invoke<FlowDocument>("create_flow", { name }),
  openFlow: (id: string) => invoke<FlowDocument>("open_flow", { id }),
  saveFlow: (flow: Flow, pasted: string[]) => invoke<FlowDocument>("save_flow", { flow, pasted }),
  renameFlow: (id: string, name: string) => invoke<number>("rename_flow", { id, name }),
  duplicateFlow: (id: string, name: string) => invoke<FlowDocument>("duplicate_flow", { id, name }),
  deleteFlow: (id: string) => invoke<void>("delete_flow", { id }),
  flowVersions: (id: string) => invoke<FlowVersion[]>("flow_versions", { id }),
  flowVersion: (id: string, version: number) => invoke<Flow>("flow_version", { id, version }),
  restoreFlowVersion: (id: string, version: number) =>
    invoke<FlowDocument>("restore_flow_version", { id, version }),
  validateFlow: (flow: Flow) => invoke<Problem[]>("validate_flow", { flow }),
  /** Runs `upto` and what is upstream of it (the whole flow when null) on a few records. */
  previewFlow: (flow: Flow, limit: number, live: string[], upto: string | null) =>
    invoke<RunReport>("preview_flow", { flow, limit, live, upto }),
  nodeSettingLabels: () => invoke<NodeSettingLabels>("node_setting_labels"),
  runFlow: (id: string) => invoke<string>("run_flow", { id }),
  cancelRun: (runId: string) => invoke<boolean>("cancel_run", { runId }),
  listRuns: (flowId: string | null, limit: number) =>
    invoke<RunRecord[]>("list_runs", { flowId, limit }),
  runDetail: (runId: string) => invoke<RunDetail>("run_detail", { runId }),
  /** Writes the flow to share; answers warnings about what may not travel (absolute paths). */
  exportFlow: (id: string, path: string) => invoke<string[]>("export_flow", { id, path }),
  importFlow: (path: string) => invoke<ImportOutcome>("import_flow", { path }),
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
