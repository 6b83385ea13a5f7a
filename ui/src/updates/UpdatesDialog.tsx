// Updates of Sluice itself: the dialog that checks, downloads (the signature is verified in Rust)
// and installs only when the person says so, and the line that says a new version is available.
import { useEffect, useState } from "react";
import { api } from "../api";
import type { UpdateStatus } from "../bindings/UpdateStatus";

/** Follows the update status and the tray's requests to show the dialog. */
export function useUpdates() {
  const [status, setStatus] = useState<UpdateStatus | null>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    api.updateStatus().then(setStatus, () => undefined);
    api.takeUpdatesRequest().then((requested) => requested && setOpen(true), () => undefined);
    const stopStatus = api.onUpdateStatus(setStatus);
    const stopRequests = api.onUpdatesRequested(() => {
      api.takeUpdatesRequest().then(() => setOpen(true), () => undefined);
    });
    return () => {
      stopStatus.then((stop) => stop());
      stopRequests.then((stop) => stop());
    };
  }, []);
  return { status, open, setOpen };
}

/** "Sluice 0.2.0 is available" over the studio while the dialog is closed, until dismissed. */
export function UpdateBanner({ status, onOpen, onDismiss }: { status: UpdateStatus | null; onOpen: () => void; onDismiss: () => void }) {
  if (status?.state !== "available" && status?.state !== "ready") return null;
  return (
    <div className="notice" role="status" data-testid="update-banner">
      <span>Sluice {status.version} is available (you have {status.current_version}).</span>
      <button className="link" onClick={onOpen}>See the update</button>
      <button onClick={onDismiss} aria-label="Dismiss" data-testid="update-banner-dismiss">×</button>
    </div>
  );
}

/** What a dismissed update banner said, so it stays away until there is something new to say. */
export function updateBannerKey(status: UpdateStatus | null): string | null {
  return status && "version" in status ? `${status.state} ${status.version}` : null;
}

type DialogProps = { status: UpdateStatus | null; onClose: () => void };

export function UpdatesDialog({ status, onClose }: DialogProps) {
  if (!status) return null;
  const busy = status.state === "checking" || status.state === "downloading" || status.state === "installing";
  return (
    <div className="overlay" onClick={busy ? undefined : onClose}>
      <div className="dialog" role="dialog" aria-label="Updates" data-testid="updates-dialog" data-state={status.state} onClick={(event) => event.stopPropagation()}>
        <h2>Updates</h2>
        <UpdateBody status={status} />
        <div className="dialog-buttons">
          <UpdateAction status={status} />
          <button onClick={onClose} disabled={busy} data-testid="update-close">
            {status.state === "available" || status.state === "ready" ? "Later" : "Close"}
          </button>
        </div>
      </div>
    </div>
  );
}

function UpdateBody({ status }: { status: UpdateStatus }) {
  switch (status.state) {
    case "unavailable":
      return <p data-testid="update-message">You have Sluice {status.current_version}. {status.reason}</p>;
    case "idle":
      return <p data-testid="update-message">You have Sluice {status.current_version}.</p>;
    case "checking":
      return <p data-testid="update-message">Looking for a newer version…</p>;
    case "up_to_date":
      return (
        <p data-testid="update-message">
          Sluice {status.current_version} is up to date (checked {new Date(status.checked_at).toLocaleString()}).
        </p>
      );
    case "available":
      return (
        <>
          <p data-testid="update-message">
            Sluice {status.version} is available; you have {status.current_version}.
            {status.published_at && <span className="muted"> Released {new Date(status.published_at).toLocaleDateString()}.</span>}
          </p>
          {status.notes && <pre className="release-notes" data-testid="release-notes">{status.notes}</pre>}
        </>
      );
    case "downloading": {
      const percent = status.total ? Math.round((status.received / status.total) * 100) : null;
      return (
        <p data-testid="update-message">
          Downloading Sluice {status.version}… {percent === null ? `${Math.round(status.received / 1024)} KB` : `${percent}%`}
          <progress max={100} value={percent ?? undefined} />
        </p>
      );
    }
    case "ready":
      return (
        <p data-testid="update-message">
          Sluice {status.version} is downloaded and its signature checked. Installing it restarts Sluice: runs in
          progress are stopped, and scheduled runs go on after the restart.
        </p>
      );
    case "installing":
      return <p data-testid="update-message">Installing Sluice {status.version}…</p>;
    case "failed":
      return <p className="field-problem" data-testid="update-message">{status.message}</p>;
  }
}

function UpdateAction({ status }: { status: UpdateStatus }) {
  switch (status.state) {
    case "idle":
    case "up_to_date":
    case "failed":
      return (
        <button className="primary" data-testid="update-check" onClick={() => api.checkForUpdates()}>
          {status.state === "idle" ? "Check for updates" : "Check again"}
        </button>
      );
    case "available":
      return (
        <button className="primary" data-testid="update-download" onClick={() => api.downloadUpdate()}>
          Download {status.version}
        </button>
      );
    case "ready":
      return (
        <button className="primary" data-testid="update-install" onClick={() => api.installUpdate()}>
          Install and restart
        </button>
      );
    default:
      return null;
  }
}
