// The first-run guide as the person sees it: a card in the flows home, in the page above the list
// (so it never covers the home's controls), and a small checklist in the canvas's bottom-right
// corner while the guide's flow is open. What they show is decided in guideProgress.ts.
import { useEffect, useState, type ReactNode } from "react";
import { api, errorText } from "../api";
import type { FlowListing } from "../bindings/FlowListing";
import { useEditor } from "../store/flowStore";
import { GUIDE_TEMPLATE, type GuideStep, type GuideView } from "./guideProgress";
import { openTemplate, useGuide, useGuideView } from "./guideStore";

type Notify = (notice: { text: string; error: boolean } | null) => void;
type Shown = Extract<GuideView, { show: true }>;

/** The guide on the flows home; `flows` is the home's list (null while it loads). */
export function GuideCard({ flows, onNotice }: { flows: FlowListing[] | null; onNotice: Notify }) {
  const view = useGuideView();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (flows) useGuide.getState().flowsListed(flows.map((flow) => flow.id));
  }, [flows]);
  if (!view.show || view.place !== "home") return null;

  const attempt = async (action: () => Promise<void>, failure: string) => {
    setBusy(true);
    try {
      await action();
    } catch (error) {
      onNotice({ text: `${failure}: ${errorText(error)}`, error: true });
      setBusy(false);
    }
  };
  const pick = () => attempt(() => openTemplate(GUIDE_TEMPLATE), "Could not make the guide's flow from its template");
  const resume = (flow: { id: string; name: string }) =>
    attempt(async () => useEditor.getState().open(await api.openFlow(flow.id)), `Could not open “${flow.name}”`);
  return <GuideCardView view={view} busy={busy} onPick={pick} onResume={resume} onClose={() => useGuide.getState().close()} />;
}

type CardProps = {
  view: Shown;
  busy: boolean;
  onPick: () => void;
  onResume: (flow: { id: string; name: string }) => void;
  onClose: () => void;
};

export function GuideCardView({ view, busy, onPick, onResume, onClose }: CardProps) {
  const { flow } = view;
  return (
    <section className="guide-card" data-testid="first-run-guide" aria-labelledby="guide-title">
      <header className="guide-header">
        <h2 id="guide-title">Build your first flow in three steps</h2>
        <CloseButton onClose={onClose} />
      </header>
      <ol className="guide-steps">
        {view.steps.map((step, index) => (
          <StepItem key={step.id} step={step} number={index + 1} withHint>
            {step.current && step.id === "pick" && (
              <button className="primary" data-testid="guide-pick-template" disabled={busy} onClick={onPick}>
                {busy ? "Making it…" : "Use the template"}
              </button>
            )}
            {step.current && step.id !== "pick" && flow && (
              <button data-testid="guide-open-flow" disabled={busy} onClick={() => onResume(flow)}>
                Open “{flow.name}”
              </button>
            )}
          </StepItem>
        ))}
      </ol>
    </section>
  );
}

/** The guide over the editor, while the guide's flow is open. */
export function GuideChecklist() {
  const view = useGuideView();
  // Folded to its title line, it leaves a small canvas (a pane open below) to the nodes.
  const [folded, setFolded] = useState(false);
  if (!view.show || view.place !== "editor") return null;
  return <GuideChecklistView view={view} folded={folded} onFold={() => setFolded(!folded)} onClose={() => useGuide.getState().close()} />;
}

type ChecklistProps = { view: Shown; folded: boolean; onFold: () => void; onClose: () => void };

export function GuideChecklistView({ view, folded, onFold, onClose }: ChecklistProps) {
  const doneCount = view.steps.filter((step) => step.done).length;
  return (
    <aside className="guide-checklist" data-testid="first-run-guide" aria-label="First flow guide">
      <header className="guide-header">
        <button className="guide-fold" data-testid="guide-fold" aria-expanded={!folded} title={folded ? "Show the steps" : "Fold to one line"} onClick={onFold}>
          <span>{view.finished ? "Your first flow ran" : `First flow: ${doneCount} of 3 done`}</span>
          <span className="guide-fold-mark" aria-hidden>{folded ? "▴" : "▾"}</span>
        </button>
        <CloseButton onClose={onClose} />
      </header>
      {!folded && (
        <ol className="guide-steps compact">
          {view.steps.map((step, index) => (
            <StepItem key={step.id} step={step} number={index + 1} withHint={step.current} />
          ))}
        </ol>
      )}
      {view.finished && !folded && (
        <p className="guide-finished">
          That is the whole loop: change a node, preview, run. Runs keeps what each run did.
        </p>
      )}
    </aside>
  );
}

function StepItem({ step, number, withHint, children }: { step: GuideStep; number: number; withHint: boolean; children?: ReactNode }) {
  const state = step.done ? "done" : step.current ? "current" : "later";
  return (
    <li className={`guide-step ${state}`} data-testid={`guide-step-${step.id}`} data-state={state} aria-current={step.current ? "step" : undefined}>
      <span className="guide-tick" role="img" aria-label={step.done ? "Done" : `Step ${number}`}>
        {step.done ? "✓" : number}
      </span>
      <span className="guide-step-text">
        <span className="guide-step-title">{step.title}</span>
        {withHint && <span className="guide-step-hint">{step.hint}</span>}
        {children}
      </span>
    </li>
  );
}

function CloseButton({ onClose }: { onClose: () => void }) {
  return (
    <button className="guide-dismiss" data-testid="guide-dismiss" aria-label="Close the guide" title="Close the guide (it does not come back)" onClick={onClose}>
      ×
    </button>
  );
}
