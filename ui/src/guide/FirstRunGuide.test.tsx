import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { GuideCardView, GuideChecklistView } from "./FirstRunGuide";
import { GUIDE_TEMPLATE, freshProgress, guideView, observed, pickedTemplate, type EditorSnapshot, type GuideProgress } from "./guideProgress";

const guideFlow = { id: "guide-flow", name: "Active customers to SQLite 2" };
const home: EditorSnapshot = { openFlowId: null, previewCount: 0, runStatus: null };
const inEditor: EditorSnapshot = { openFlowId: guideFlow.id, previewCount: 0, runStatus: null };
const started = pickedTemplate(freshProgress, GUIDE_TEMPLATE, guideFlow);
const nothing = () => undefined;

function shown(progress: GuideProgress, snapshot: EditorSnapshot, finishedThisSession = false) {
  const view = guideView(progress, snapshot, finishedThisSession);
  if (!view.show) throw new Error("the guide is hidden");
  return view;
}
const card = (progress: GuideProgress) =>
  renderToStaticMarkup(<GuideCardView view={shown(progress, home)} busy={false} onPick={nothing} onResume={nothing} onClose={nothing} />);
const checklist = (progress: GuideProgress, finishedThisSession = false, folded = false) =>
  renderToStaticMarkup(
    <GuideChecklistView view={shown(progress, inEditor, finishedThisSession)} folded={folded} onFold={nothing} onClose={nothing} />,
  );
const stepState = (html: string, step: string) => html.match(new RegExp(`data-testid="guide-step-${step}" data-state="(\\w+)"`))?.[1];

describe("first-run guide as shown", () => {
  it("on the home screen: three steps, the template button on step 1, a way to close it", () => {
    const html = card(freshProgress);
    expect(html).toContain('data-testid="first-run-guide"');
    expect(html).toContain('data-testid="guide-dismiss"');
    expect(html).toContain('data-testid="guide-pick-template"');
    expect(html).not.toContain('data-testid="guide-open-flow"');
    expect(["pick", "preview", "run"].map((step) => stepState(html, step))).toEqual(["current", "later", "later"]);
    for (const title of ["Pick a template", "Preview its records", "Run it"]) expect(html).toContain(title);
  });

  it("back on the home screen halfway: step 1 ticked and a way back into the guide's flow", () => {
    const html = card(started);
    expect(html).not.toContain('data-testid="guide-pick-template"');
    expect(html).toContain('data-testid="guide-open-flow"');
    expect(html).toContain(`Open “${guideFlow.name}”`);
    expect(["pick", "preview", "run"].map((step) => stepState(html, step))).toEqual(["done", "current", "later"]);
  });

  it("over the editor: a small checklist with only the step to do now explained", () => {
    const html = checklist(observed(started, { ...inEditor, previewCount: 2 }));
    expect(html).toContain('data-testid="first-run-guide"');
    expect(html).toContain("2 of 3 done");
    expect(html).toContain("Press Run now");
    expect(html).not.toContain("Press Preview");
    expect(html).not.toContain("guide-pick-template");
    expect(html).not.toContain("guide-open-flow");
  });

  it("folds to its title line, still saying how far along it is and still closable", () => {
    const html = checklist(started, false, true);
    expect(html).toContain("1 of 3 done");
    expect(html).toContain('aria-expanded="false"');
    expect(html).toContain('data-testid="guide-dismiss"');
    expect(html).not.toContain("guide-step-");
  });

  it("says so when the last step is done", () => {
    const done = observed(started, { ...inEditor, previewCount: 1, runStatus: "succeeded" });
    const html = checklist(done, true);
    expect(html).toContain("Your first flow ran");
    expect(["pick", "preview", "run"].map((step) => stepState(html, step))).toEqual(["done", "done", "done"]);
  });
});
