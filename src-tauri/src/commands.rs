//! The IPC commands: one-line adapters into sluice-runtime. Errors reach the UI as the runtime's
//! readable message.

use std::path::PathBuf;

use sluice_core::expression::Expressions;
use sluice_core::expression::vocabulary::{self, Trial, Word};
use sluice_core::flow::Schedule;
use sluice_core::flow_diff::FlowDiff;
use sluice_core::labels::NodeSettingLabels;
use sluice_core::validate::Problem;
use sluice_core::{Flow, Record};
use sluice_runtime::{
    ComponentInfo, ConnectorInfo, CredentialInfo, CredentialInput, CredentialTypeInfo,
    FlowDocument, FlowListing, FlowReview, FlowVersion, ImportOutcome, Pinned, PreviewRequest,
    RunDetail, RunRecord, RunReport, RunTarget, ScheduleInfo, Sluice, TemplateInfo, Trigger,
    UpdateStatus,
};
use tauri::{AppHandle, Emitter, State};

use crate::updates::{self, Updates};

/// What a command answers: a value, or a message for the person at the screen.
type Answer<T> = Result<T, String>;

fn message(error: sluice_runtime::Error) -> String {
    error.to_string()
}

/// Runs `work` on the blocking pool: keychain calls, OAuth2 sign-in and Test connection block.
async fn blocking<T: Send + 'static>(
    sluice: &State<'_, Sluice>,
    work: impl FnOnce(Sluice) -> sluice_runtime::Result<T> + Send + 'static,
) -> Answer<T> {
    let sluice = sluice.inner().clone();
    tauri::async_runtime::spawn_blocking(move || work(sluice))
        .await
        .map_err(|error| error.to_string())?
        .map_err(message)
}

#[tauri::command]
pub async fn components(sluice: State<'_, Sluice>) -> Answer<Vec<ComponentInfo>> {
    Ok(sluice.components())
}

#[tauri::command]
pub async fn list_flows(sluice: State<'_, Sluice>) -> Answer<Vec<FlowListing>> {
    sluice.list_flows().map_err(message)
}

#[tauri::command]
pub async fn create_flow(sluice: State<'_, Sluice>, name: String) -> Answer<FlowDocument> {
    sluice
        .create_flow(&name)
        .map(|loaded| sluice.document(loaded))
        .map_err(message)
}

#[tauri::command]
pub async fn open_flow(sluice: State<'_, Sluice>, id: String) -> Answer<FlowDocument> {
    sluice.open_flow(&id).map_err(message)
}

#[tauri::command]
pub async fn save_flow(
    sluice: State<'_, Sluice>,
    flow: Flow,
    pasted: Option<Vec<String>>,
) -> Answer<FlowDocument> {
    sluice
        .save_document(flow, &pasted.unwrap_or_default())
        .map_err(message)
}

#[tauri::command]
pub async fn rename_flow(sluice: State<'_, Sluice>, id: String, name: String) -> Answer<i64> {
    sluice.rename_flow(&id, &name).map_err(message)
}

#[tauri::command]
pub async fn duplicate_flow(
    sluice: State<'_, Sluice>,
    id: String,
    name: String,
) -> Answer<FlowDocument> {
    sluice
        .duplicate_flow(&id, &name)
        .map(|loaded| sluice.document(loaded))
        .map_err(message)
}

#[tauri::command]
pub async fn delete_flow(sluice: State<'_, Sluice>, id: String) -> Answer<()> {
    sluice.delete_flow(&id).map_err(message)
}

#[tauri::command]
pub async fn flow_versions(sluice: State<'_, Sluice>, id: String) -> Answer<Vec<FlowVersion>> {
    sluice.flow_versions(&id).map_err(message)
}

#[tauri::command]
pub async fn restore_flow_version(
    sluice: State<'_, Sluice>,
    id: String,
    version: i64,
) -> Answer<FlowDocument> {
    sluice
        .restore_flow_version(&id, version)
        .and_then(|_| sluice.open_flow(&id))
        .map_err(message)
}

#[tauri::command]
pub async fn flow_version_diff(
    sluice: State<'_, Sluice>,
    id: String,
    version: i64,
) -> Answer<FlowDiff> {
    sluice.version_diff(&id, version).map_err(message)
}

#[tauri::command]
pub async fn keep_flow_version(sluice: State<'_, Sluice>, id: String) -> Answer<()> {
    sluice.keep_flow_version(&id).map_err(message)
}

#[tauri::command]
pub async fn templates(sluice: State<'_, Sluice>) -> Answer<Vec<TemplateInfo>> {
    Ok(sluice.templates())
}

#[tauri::command]
pub async fn create_from_template(sluice: State<'_, Sluice>, id: String) -> Answer<FlowDocument> {
    sluice
        .create_from_template(&id)
        .map(|loaded| sluice.document(loaded))
        .map_err(message)
}

#[tauri::command]
pub async fn validate_flow(sluice: State<'_, Sluice>, flow: Flow) -> Answer<Vec<Problem>> {
    Ok(sluice.validate_flow(&flow))
}

#[tauri::command]
pub async fn preview_flow(
    sluice: State<'_, Sluice>,
    flow: Flow,
    limit: u64,
    live: Option<Vec<String>>,
    upto: Option<String>,
    pinned: Option<Pinned>,
) -> Answer<RunReport> {
    let target = RunTarget::Loaded(Box::new(sluice.loaded_draft(flow).map_err(message)?));
    let request = PreviewRequest {
        limit,
        live: live.unwrap_or_default(),
        upto,
        pinned: pinned.unwrap_or_default(),
    };
    sluice.preview(target, request).await.map_err(message)
}

#[tauri::command]
pub async fn pinned_samples(sluice: State<'_, Sluice>, id: String) -> Answer<Pinned> {
    sluice.pinned_samples(&id).map_err(message)
}

#[tauri::command]
pub async fn pin_sample(
    sluice: State<'_, Sluice>,
    id: String,
    node: String,
    records: Option<sluice_store::Sample>,
) -> Answer<()> {
    sluice.pin_sample(&id, &node, records).map_err(message)
}

#[tauri::command]
pub async fn node_setting_labels() -> Answer<NodeSettingLabels> {
    Ok(sluice_core::labels::node_settings())
}

#[tauri::command]
pub async fn expression_vocabulary() -> Answer<Vec<Word>> {
    Ok(vocabulary::vocabulary())
}

/// The live result of an expression being typed, on (at most 50 of) the preview's records.
#[tauri::command]
pub async fn try_expression(
    vars: serde_json::Map<String, serde_json::Value>,
    expression: String,
    records: Vec<serde_json::Map<String, serde_json::Value>>,
) -> Answer<Vec<Trial>> {
    let expressions = Expressions::new(&vars, chrono::Utc::now());
    let records = records.into_iter().take(50).map(Record::from).collect();
    vocabulary::try_expression(&expressions, &expression, records)
}

#[tauri::command]
pub async fn run_flow(app: AppHandle, sluice: State<'_, Sluice>, id: String) -> Answer<String> {
    sluice
        .start_run_observed(RunTarget::Stored(id), Trigger::Manual, move |notice| {
            let _ = app.emit("run", notice);
        })
        .map_err(message)
}

#[tauri::command]
pub async fn cancel_run(sluice: State<'_, Sluice>, run_id: String) -> Answer<bool> {
    Ok(sluice.cancel_run(&run_id))
}

#[tauri::command]
pub async fn list_runs(
    sluice: State<'_, Sluice>,
    flow_id: Option<String>,
    limit: usize,
) -> Answer<Vec<RunRecord>> {
    sluice.runs(flow_id.as_deref(), limit).map_err(message)
}

#[tauri::command]
pub async fn run_detail(sluice: State<'_, Sluice>, run_id: String) -> Answer<RunDetail> {
    sluice.run_detail(&run_id).map_err(message)
}

#[tauri::command]
pub async fn export_flow(
    sluice: State<'_, Sluice>,
    id: String,
    path: PathBuf,
) -> Answer<Vec<String>> {
    sluice.export_flow_to(&id, &path).map_err(message)
}

#[tauri::command]
pub async fn review_flow(sluice: State<'_, Sluice>, id: String) -> Answer<FlowReview> {
    (sluice
        .find_flow(&id)
        .and_then(|loaded| sluice.review(&loaded)))
    .map_err(message)
}

#[tauri::command]
pub async fn approve_flow(sluice: State<'_, Sluice>, id: String) -> Answer<FlowReview> {
    sluice.approve_flow(&id).map_err(message)
}

#[tauri::command]
pub async fn list_connectors(sluice: State<'_, Sluice>) -> Answer<Vec<ConnectorInfo>> {
    sluice.connectors().map_err(message)
}

#[tauri::command]
pub async fn import_connector(sluice: State<'_, Sluice>, path: PathBuf) -> Answer<ConnectorInfo> {
    sluice
        .import_connector_file(&path, None, None)
        .map_err(message)
}

#[tauri::command]
pub async fn remove_connector(sluice: State<'_, Sluice>, id: String) -> Answer<()> {
    sluice.remove_connector(&id).map_err(message)
}

#[tauri::command]
pub async fn import_flow(sluice: State<'_, Sluice>, path: PathBuf) -> Answer<ImportOutcome> {
    sluice.import_flow_file(&path, false).map_err(message)
}

#[tauri::command]
pub async fn describe_schedule(
    sluice: State<'_, Sluice>,
    schedule: Schedule,
) -> Answer<ScheduleInfo> {
    Ok(sluice.describe_schedule(&schedule))
}

#[tauri::command]
pub async fn schedules_paused(sluice: State<'_, Sluice>) -> Answer<bool> {
    sluice.schedules_paused().map_err(message)
}

#[tauri::command]
pub async fn set_schedules_paused(sluice: State<'_, Sluice>, paused: bool) -> Answer<()> {
    sluice.set_schedules_paused(paused).map_err(message)
}

#[tauri::command]
pub async fn start_at_login(app: AppHandle) -> Answer<bool> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch()
        .is_enabled()
        .map_err(|error| format!("cannot read the login item: {error}"))
}

#[tauri::command]
pub async fn set_start_at_login(app: AppHandle, enabled: bool) -> Answer<()> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let result = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    result.map_err(|error| format!("cannot change the login item: {error}"))
}

#[tauri::command]
pub async fn update_status(updates: State<'_, Updates>) -> Answer<UpdateStatus> {
    Ok(updates.status())
}

#[tauri::command]
pub async fn take_updates_request(updates: State<'_, Updates>) -> Answer<bool> {
    Ok(updates.take_dialog_request())
}

#[tauri::command]
pub async fn check_for_updates(app: AppHandle) -> Answer<UpdateStatus> {
    Ok(updates::check(&app).await)
}

#[tauri::command]
pub async fn download_update(app: AppHandle) -> Answer<UpdateStatus> {
    Ok(updates::download(&app).await)
}

#[tauri::command]
pub async fn install_update(app: AppHandle) -> Answer<UpdateStatus> {
    Ok(updates::install(&app).await)
}

#[tauri::command]
pub async fn credential_types(sluice: State<'_, Sluice>) -> Answer<Vec<CredentialTypeInfo>> {
    Ok(sluice.credential_types())
}

#[tauri::command]
pub async fn list_credentials(sluice: State<'_, Sluice>) -> Answer<Vec<CredentialInfo>> {
    sluice.credentials().map_err(message)
}

#[tauri::command]
pub async fn save_credential(
    sluice: State<'_, Sluice>,
    input: CredentialInput,
    editing: Option<String>,
) -> Answer<CredentialInfo> {
    blocking(&sluice, move |sluice| {
        sluice.save_credential(input, editing.as_deref())
    })
    .await
}

#[tauri::command]
pub async fn remove_credential(sluice: State<'_, Sluice>, name: String) -> Answer<Vec<String>> {
    blocking(&sluice, move |sluice| sluice.remove_credential(&name)).await
}

#[tauri::command]
pub async fn test_credential(sluice: State<'_, Sluice>, name: String) -> Answer<String> {
    blocking(&sluice, move |sluice| sluice.test_credential(&name)).await
}

#[tauri::command]
pub async fn credential_tables(
    sluice: State<'_, Sluice>,
    name: String,
) -> Answer<Vec<sluice_core::credential::DatabaseTable>> {
    blocking(&sluice, move |sluice| sluice.credential_tables(&name)).await
}

/// How long Connect waits for the person to sign in in the browser.
const SIGN_IN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5 * 60);

#[tauri::command]
pub async fn connect_oauth2(
    app: AppHandle,
    sluice: State<'_, Sluice>,
    name: String,
) -> Answer<CredentialInfo> {
    use tauri_plugin_opener::OpenerExt;
    blocking(&sluice, move |sluice| {
        let open_browser = |url: &str| {
            app.opener()
                .open_url(url, None::<&str>)
                .map_err(|error| format!("{error}; open this address yourself: {url}"))
        };
        sluice.connect_oauth2(&name, &open_browser, SIGN_IN_PATIENCE)
    })
    .await
}

#[tauri::command]
pub async fn disconnect_oauth2(sluice: State<'_, Sluice>, name: String) -> Answer<()> {
    blocking(&sluice, move |sluice| sluice.disconnect_oauth2(&name)).await
}

#[tauri::command]
pub async fn webhook_url(sluice: State<'_, Sluice>, flow: String) -> Answer<String> {
    blocking(&sluice, move |sluice| sluice.webhook_url(&flow)).await
}
