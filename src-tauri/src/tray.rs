//! The tray: Sluice keeps running there with its schedules when the window is closed. Open
//! shows the window again, Pause/Resume switches all schedules, Quit ends Sluice.

use sluice_runtime::Sluice;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

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

/// Builds the tray icon and its menu.
pub fn install(app: &AppHandle, sluice: &Sluice) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Sluice", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", pause_label(sluice), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Sluice", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &pause, &quit])?;
    let mut tray = TrayIconBuilder::with_id("sluice")
        .tooltip("Sluice")
        .menu(&menu);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    let pause_item = pause.clone();
    tray.on_menu_event(move |app, event| match event.id.as_ref() {
        "open" => show_main_window(app),
        "pause" => {
            let sluice = app.state::<Sluice>();
            let paused = sluice.schedules_paused().unwrap_or(false);
            if let Err(error) = sluice.set_schedules_paused(!paused) {
                tracing::warn!(%error, "could not pause or resume schedules");
            }
            let _ = pause_item.set_text(pause_label(&sluice));
        }
        "quit" => app.exit(0),
        _ => {}
    })
    .build(app)?;
    Ok(())
}
