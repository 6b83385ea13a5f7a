//! The Sluice studio: a Tauri window over sluice-runtime. All behaviour lives in the runtime;
//! this crate only wires IPC commands, events and the window.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod alerts;
mod commands;
mod rendering;
mod tray;
mod updates;

use tauri::{Emitter, Manager};

/// The argument the login item starts Sluice with.
const MINIMIZED: &str = "--minimized";

// The engine allocates on one node's thread and frees on another's; see sluice-cli.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    rendering::without_gpu_draw_without_compositing();
    let result = tauri::Builder::default()
        // First: a second launch shows the running studio instead of starting another.
        .plugin(tauri_plugin_single_instance::init(
            |app, _arguments, _folder| {
                tray::show_main_window(app);
            },
        ))
        .plugin(tauri_plugin_dialog::init())
        // Opens the system browser for OAuth2 sign-in (from Rust only; the UI cannot call it).
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![MINIMIZED]),
        ))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            let sluice = sluice_runtime::Sluice::open(None)?;
            let seeded = sluice.seed_examples()?;
            tracing::info!(home = %sluice.home().display(), seeded, "studio started");
            // Scheduled flows run while the studio is open; their runs show on the canvas.
            app.manage(alerts::RunAlerts::default());
            let events = app.handle().clone();
            let observer: sluice_runtime::RunObserver = std::sync::Arc::new(move |notice| {
                let finished = matches!(notice, sluice_runtime::RunNotice::Finished { .. });
                events
                    .state::<alerts::RunAlerts>()
                    .observe(&events, &notice);
                let _ = events.emit("run", notice);
                if finished {
                    tray::refresh(&events);
                }
            });
            let scheduler = tauri::async_runtime::block_on(async {
                sluice.start_webhook_server(Some(observer.clone())).await;
                sluice.start_scheduler(Some(observer))
            });
            app.manage(updates::Updates::new(app.handle()));
            tray::install(app.handle(), &sluice)?;
            updates::check_periodically(app.handle());
            // Started at login: straight to the tray, no window.
            if std::env::args().any(|argument| argument == MINIMIZED)
                && let Some(window) = app.get_webview_window("main")
            {
                let _ = window.destroy();
            }
            app.manage(scheduler);
            app.manage(sluice);
            Ok(())
        })
        // Closing the window keeps Sluice in the tray with its schedules running. The UI saves
        // first, then the window (and its web process, most of Sluice's memory) is destroyed;
        // Open in the tray or a second launch builds it again.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.emit("close-requested", ());
                tray::destroy_soon(window.clone());
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::components,
            commands::list_flows,
            commands::create_flow,
            commands::open_flow,
            commands::save_flow,
            commands::rename_flow,
            commands::duplicate_flow,
            commands::delete_flow,
            commands::flow_versions,
            commands::restore_flow_version,
            commands::validate_flow,
            commands::preview_flow,
            commands::pinned_samples,
            commands::pin_sample,
            commands::templates,
            commands::create_from_template,
            commands::flow_version_diff,
            commands::keep_flow_version,
            commands::node_setting_labels,
            commands::expression_vocabulary,
            commands::try_expression,
            commands::run_flow,
            commands::cancel_run,
            commands::list_runs,
            commands::run_detail,
            commands::export_flow,
            commands::import_flow,
            commands::list_connectors,
            commands::import_connector,
            commands::remove_connector,
            commands::review_flow,
            commands::approve_flow,
            commands::describe_schedule,
            commands::schedules_paused,
            commands::set_schedules_paused,
            commands::start_at_login,
            commands::set_start_at_login,
            commands::update_status,
            commands::take_updates_request,
            commands::check_for_updates,
            commands::download_update,
            commands::install_update,
            commands::credential_types,
            commands::list_credentials,
            commands::save_credential,
            commands::remove_credential,
            commands::test_credential,
            commands::credential_tables,
            commands::connect_oauth2,
            commands::disconnect_oauth2,
            commands::webhook_url,
        ])
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|_app, event| {
            // The last window closing does not end Sluice (it lives on in the tray); Quit does.
            if let tauri::RunEvent::ExitRequested {
                code: None, api, ..
            } = event
            {
                api.prevent_exit();
            }
        }),
        Err(error) => {
            eprintln!("error: Sluice could not start: {error}");
            std::process::exit(1);
        }
    }
}
