// The flows home: every stored flow with its last run; create, open, rename, duplicate, delete,
// import; the settings (pause schedules, start at login, updates); above the list, the first-run
// guide and the template gallery, both in the page so they never cover the controls.
import { ask, open } from "@tauri-apps/plugin-dialog";
import { useCallback, useEffect, useState } from "react";
import { api, errorText } from "../api";
import { importFile } from "../App";
import type { FlowListing } from "../bindings/FlowListing";
import { GuideCard } from "../guide/FirstRunGuide";
import { useEditor } from "../store/flowStore";
import { nextRun } from "./nextRun";
import { TemplateGallery } from "./TemplateGallery";

type Props = {
  onNotice: (notice: { text: string; error: boolean } | null) => void;
  /** Opens the updates dialog. */
  onUpdates: () => void;
  /** Opens the Credentials view. */
  onCredentials: () => void;
};

export function FlowsHome({ onNotice, onUpdates, onCredentials }: Props) {
  const [flows, setFlows] = useState<FlowListing[] | null>(null);
  const [newName, setNewName] = useState("");
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const [paused, setPaused] = useState(false);
  const [atLogin, setAtLogin] = useState(false);
  useEffect(() => {
    api.schedulesPaused().then(setPaused, () => undefined);
    api.startAtLogin().then(setAtLogin, () => undefined);
  }, []);

  const refresh = useCallback(() => {
    api.listFlows().then(setFlows, (error) => onNotice({ text: errorText(error), error: true }));
  }, [onNotice]);
  useEffect(refresh, [refresh]);

  const attempt = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      onNotice({ text: errorText(error), error: true });
    }
    refresh();
  };

  const create = () =>
    attempt(async () => {
      const name = newName.trim() || "Untitled flow";
      useEditor.getState().open(await api.createFlow(name));
    });

  return (
    <main className="home">
      <header className="home-header">
        <h1>Flows</h1>
        <form
          className="create"
          onSubmit={(event) => {
            event.preventDefault();
            create();
          }}
        >
          <input
            data-testid="new-flow-name"
            placeholder="Name of a new flow"
            value={newName}
            onChange={(event) => setNewName(event.target.value)}
          />
          <button type="submit" className="primary" data-testid="create-flow">New flow</button>
          <button
            type="button"
            data-testid="import-flow"
            onClick={async () => {
              const path = await open({ multiple: false, filters: [{ name: "Sluice flow", extensions: ["json"] }] });
              if (typeof path === "string") await importFile(path, onNotice);
            }}
          >
            Import…
          </button>
          <button
            type="button"
            data-testid="pause-schedules"
            onClick={() => attempt(async () => {
              await api.setSchedulesPaused(!paused);
              setPaused(!paused);
            })}
          >
            {paused ? "Resume schedules" : "Pause schedules"}
          </button>
          <label className="field inline" title="Sluice starts in the tray when you log in, so schedules run">
            <input
              type="checkbox"
              data-testid="start-at-login"
              checked={atLogin}
              onChange={(event) => {
                const enabled = event.target.checked;
                attempt(async () => {
                  await api.setStartAtLogin(enabled);
                  setAtLogin(await api.startAtLogin());
                });
              }}
            />
            <span>Start at login</span>
          </label>
          <button type="button" data-testid="credentials-open" onClick={onCredentials}>
            Credentials
          </button>
          <button type="button" data-testid="updates-open" onClick={onUpdates}>
            Updates…
          </button>
        </form>
      </header>
      <GuideCard flows={flows} onNotice={onNotice} />
      <TemplateGallery flowCount={flows?.length ?? null} onNotice={onNotice} />
      {flows === null ? (
        <p className="muted">Loading…</p>
      ) : flows.length === 0 ? (
        <p className="muted">No flows yet. Create one, start from a template, or drop a .sluice.json file here.</p>
      ) : (
        <table className="flows" data-testid="flows">
          <thead>
            <tr><th>Name</th><th>Last run</th><th>Next run</th><th /></tr>
          </thead>
          <tbody>
            {flows.map((flow) => (
              <tr key={flow.id} data-flow-id={flow.id}>
                <td>
                  {renaming?.id === flow.id ? (
                    <form
                      onSubmit={(event) => {
                        event.preventDefault();
                        attempt(() => api.renameFlow(flow.id, renaming.name)).then(() => setRenaming(null));
                      }}
                    >
                      <input autoFocus value={renaming.name} onChange={(event) => setRenaming({ id: flow.id, name: event.target.value })} />
                    </form>
                  ) : (
                    <>
                      <button className="link" data-testid="open-flow" onClick={() => attempt(async () => useEditor.getState().open(await api.openFlow(flow.id)))}>
                        {flow.name}
                      </button>
                      {!flow.trusted && (
                        <span className="tag warning" data-testid="needs-review" title="It came from elsewhere: open it to review what it touches and approve it">
                          needs review
                        </span>
                      )}
                    </>
                  )}
                </td>
                <td>
                  {flow.last_run ? (
                    <span className={`status ${flow.last_run.status}`}>
                      {flow.last_run.status} · {new Date(flow.last_run.started_at).toLocaleString()}
                    </span>
                  ) : (
                    <span className="muted">never run</span>
                  )}
                </td>
                <td data-testid="next-run">
                  <NextRunCell flow={flow} paused={paused} />
                </td>
                <td className="actions">
                  <button onClick={() => setRenaming({ id: flow.id, name: flow.name })}>Rename</button>
                  <button onClick={() => attempt(() => api.duplicateFlow(flow.id, `${flow.name} (copy)`))}>Duplicate</button>
                  <button
                    className="danger"
                    onClick={async () => {
                      const sure = await ask(`Delete “${flow.name}”? Its run history is kept.`, { title: "Delete flow", kind: "warning" });
                      if (sure) attempt(() => api.deleteFlow(flow.id));
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function NextRunCell({ flow, paused }: { flow: FlowListing; paused: boolean }) {
  const next = nextRun(flow, paused);
  if (next.state === "not-scheduled") return <span className="muted">not scheduled</span>;
  return (
    <span title={next.schedule}>
      {next.state === "paused" ? (
        <span className="tag paused" data-testid="schedule-paused" title="Schedules are paused: resume them to run this flow on its schedule">paused</span>
      ) : (
        next.at ? new Date(next.at).toLocaleString() : "soon"
      )}
      <span className="muted"> · {next.schedule}</span>
    </span>
  );
}
