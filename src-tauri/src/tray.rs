//! The tray: Sluice keeps running there with its schedules when the window is closed. The menu
//! shows the next scheduled run, runs a flow now, opens the window, pauses or resumes schedules,
//! checks for updates and quits; the tooltip names flows whose last run failed.

use sluice_runtime::{RunTarget, Sluice, Trigger};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager};

/// Shows and focuses the main window, building it again when it was closed to the tray.
pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let Some(config) = app.config().app.windows.first().cloned() else {
        return;
    };
    match tauri::WebviewWindowBuilder::from_config(app, &config).and_then(|builder| builder.build())
    {
        Ok(window) => {
            let _ = window.set_focus();
        }
        Err(error) => tracing::warn!(%error, "could not open the window again"),
    }
}

/// Destroys a window whose UI did not close it itself within two seconds (a UI that hangs must
/// not keep the window from closing).
pub fn destroy_soon(window: tauri::Window) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let _ = window.destroy();
    });
}

fn pause_label(sluice: &Sluice) -> &'static str {
    if sluice.schedules_paused().unwrap_or(false) {
        "Resume schedules"
    } else {
        "Pause schedules"
    }
}

const TRAY: &str = "sluice";

/// What the tray menu says. The menu is rebuilt only when this changes, so a menu someone has
/// open is not replaced under their pointer every time a scheduled run finishes.
#[derive(Debug, Clone, PartialEq)]
struct MenuContent {
    next_run: String,
    /// Flow id and label, for Run a flow now.
    flows: Vec<(String, String)>,
    pause: &'static str,
    updates: String,
}

/// The last menu content installed in the tray.
#[derive(Default)]
pub struct TrayMenuState(std::sync::Mutex<Option<MenuContent>>);

/// The tray menu as things stand: the next scheduled run, Run now per flow, Pause/Resume,
/// Check for updates, Quit.
fn menu_content(
    app: &AppHandle,
    sluice: &Sluice,
    flows: &[sluice_runtime::FlowListing],
) -> MenuContent {
    let next_run = flows
        .iter()
        .filter_map(|flow| {
            flow.next_fire_at
                .as_ref()
                .map(|at| (at, &flow.summary.name))
        })
        .min_by(|left, right| left.0.cmp(right.0))
        .and_then(|(at, name)| {
            let at = chrono::DateTime::parse_from_rfc3339(at)
                .ok()?
                .with_timezone(&chrono::Local);
            Some(format!("Next: {name} at {}", at.format("%a %H:%M")))
        })
        .unwrap_or_else(|| "No scheduled runs".to_string());
    let flows = flows
        .iter()
        .map(|flow| {
            let label = if is_failing(flow) {
                format!("{} (last run failed)", flow.summary.name)
            } else {
                flow.summary.name.clone()
            };
            (flow.summary.id.clone(), label)
        })
        .collect();
    MenuContent {
        next_run,
        flows,
        pause: pause_label(sluice),
        updates: crate::updates::tray_label(app),
    }
}

/// Whether the flow's last run needs a look: it failed, or committed with a destination waiting.
fn is_failing(flow: &sluice_runtime::FlowListing) -> bool {
    flow.last_run.as_ref().is_some_and(|run| {
        matches!(
            run.status,
            sluice_store::RunStatus::Failed | sluice_store::RunStatus::Committing
        )
    })
}

fn build_menu(app: &AppHandle, content: &MenuContent) -> tauri::Result<Menu<tauri::Wry>> {
    let next = MenuItem::with_id(app, "next", &content.next_run, false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Sluice", true, None::<&str>)?;
    let run_now = Submenu::with_id(app, "run", "Run a flow now", !content.flows.is_empty())?;
    for (id, label) in &content.flows {
        run_now.append(&MenuItem::with_id(
            app,
            format!("run:{id}"),
            label,
            true,
            None::<&str>,
        )?)?;
    }
    let pause = MenuItem::with_id(app, "pause", content.pause, true, None::<&str>)?;
    let updates = MenuItem::with_id(app, "updates", &content.updates, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Sluice", true, None::<&str>)?;
    Menu::with_items(
        app,
        &[
            &next,
            &open,
            &run_now,
            &pause,
            &updates,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )
}

/// Brings the tray up to date: its menu, and a tooltip that says when a flow's last run failed.
pub fn refresh(app: &AppHandle) {
    let Some(tray) = app.tray_by_id(TRAY) else {
        return;
    };
    let sluice = app.state::<Sluice>();
    let flows = sluice.list_flows().unwrap_or_default();
    let content = menu_content(app, &sluice, &flows);
    let mut installed = app
        .state::<TrayMenuState>()
        .0
        .lock()
        .expect("tray menu lock")
        .clone();
    if installed.as_ref() != Some(&content) {
        match build_menu(app, &content) {
            Ok(menu) => {
                let _ = tray.set_menu(Some(menu));
                installed = Some(content);
            }
            Err(error) => tracing::warn!(%error, "could not update the tray menu"),
        }
        *app.state::<TrayMenuState>()
            .0
            .lock()
            .expect("tray menu lock") = installed;
    }
    let failing: Vec<&str> = flows
        .iter()
        .filter(|flow| is_failing(flow))
        .map(|flow| flow.summary.name.as_str())
        .collect();
    let tooltip = if failing.is_empty() {
        "Sluice".to_string()
    } else {
        format!("Sluice — failing: {}", failing.join(", "))
    };
    let _ = tray.set_tooltip(Some(tooltip));
}

/// Builds the tray icon and its menu.
pub fn install(app: &AppHandle, sluice: &Sluice) -> tauri::Result<()> {
    let flows = sluice.list_flows().unwrap_or_default();
    let content = menu_content(app, sluice, &flows);
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip("Sluice")
        .menu(&build_menu(app, &content)?);
    app.manage(TrayMenuState(std::sync::Mutex::new(Some(content))));
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(move |app, event| {
        let id = event.id.as_ref();
        match id {
            "open" => show_main_window(app),
            "updates" => crate::updates::check_from_tray(app),
            "pause" => {
                let sluice = app.state::<Sluice>();
                let paused = sluice.schedules_paused().unwrap_or(false);
                if let Err(error) = sluice.set_schedules_paused(!paused) {
                    tracing::warn!(%error, "could not pause or resume schedules");
                }
                refresh(app);
            }
            "quit" => app.exit(0),
            _ => {
                if let Some(flow_id) = id.strip_prefix("run:") {
                    let sluice = app.state::<Sluice>();
                    let events = app.clone();
                    let started = tauri::async_runtime::block_on(async {
                        sluice.start_run_observed(
                            RunTarget::Stored(flow_id.to_string()),
                            Trigger::Manual,
                            move |notice| {
                                let _ = events.emit("run", notice);
                            },
                        )
                    });
                    if let Err(error) = started {
                        tracing::warn!(%error, "could not start the run from the tray");
                    }
                }
            }
        }
    })
    .build(app)?;
    Ok(())
}
