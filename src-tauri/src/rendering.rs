//! How the web view draws on Linux: without a GPU, Sluice asks WebKitGTK not to composite.
//!
//! WebKitGTK composites pages with OpenGL; without a GPU that GL runs in software (llvmpipe). On
//! a 500-node flow under Xvfb that made panning draw at 11–15 fps while the web process grew to
//! 3–10 GB; without compositing it drew at ~29 fps in ~400 MB, and a keystroke reached the
//! screen in ~50 ms instead of ~115 ms (`make bench-studio`).

/// The variable WebKitGTK reads to draw without compositing.
#[cfg(target_os = "linux")]
const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// On Linux without a GPU, starts Sluice again (the same process, by `exec`) with compositing
/// off. Does nothing with a GPU, when the person set the variable either way, or elsewhere.
pub fn without_gpu_draw_without_compositing() {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os(NO_COMPOSITING).is_some() || has_gpu() {
            return;
        }
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        let error = std::process::Command::new(program)
            .args(std::env::args_os().skip(1))
            .env(NO_COMPOSITING, "1")
            .exec();
        tracing::warn!(%error, "could not start again without compositing; drawing may be slow");
    }
}

/// True when the kernel offers a GPU to draw with (a DRM render node).
#[cfg(target_os = "linux")]
fn has_gpu() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}
