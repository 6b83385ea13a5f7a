// The trust review dialog: what a flow from elsewhere will touch, and the person's approval.
// Nothing of the flow runs or previews until they approve it here.
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { FlowReview } from "../bindings/FlowReview";
import { hasForbidden, reviewSections } from "./review";

type Props = { flowId: string; onApproved: () => void; onClose: () => void };

export function ReviewDialog({ flowId, onApproved, onClose }: Props) {
  const [review, setReview] = useState<FlowReview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.reviewFlow(flowId).then(setReview, (failure) => setError(errorText(failure)));
  }, [flowId]);
  const approve = async () => {
    try {
      await api.approveFlow(flowId);
      onApproved();
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  const sections = review ? reviewSections(review) : [];
  return (
    <div className="overlay" onClick={onClose}>
      <div className="dialog review" role="dialog" aria-label="Review this flow" data-testid="review-dialog" onClick={(event) => event.stopPropagation()}>
        <h2>Review “{review?.name ?? "this flow"}” before it runs</h2>
        <p className="muted">
          It came from elsewhere. A flow can read and write files and send data to other computers; approve it only
          if you expect everything below.
        </p>
        {error && <div className="notice error">{error}</div>}
        {review && sections.length === 0 && <p>It touches no files and contacts no hosts.</p>}
        {sections.map((section) => (
          <section key={section.title}>
            <h3>{section.title}</h3>
            <ul data-testid="review-lines">
              {section.lines.map((line) => (
                <li key={`${line.text} ${line.detail}`} className={line.forbidden ? "forbidden" : undefined}>
                  <code>{line.text}</code> {line.detail && <span className="muted">{line.detail}</span>}
                  {line.warnings.map((warning) => (
                    <div key={warning} className="warning">⚠ {warning}</div>
                  ))}
                </li>
              ))}
            </ul>
          </section>
        ))}
        {review && hasForbidden(review) && (
          <div className="notice error">It reaches Sluice's own folder: it cannot run, even approved. Change those paths first.</div>
        )}
        <div className="dialog-buttons">
          <button onClick={onClose} data-testid="review-close">Not now</button>
          <button className="primary" disabled={!review} onClick={approve} data-testid="approve">
            Approve and allow runs
          </button>
        </div>
      </div>
    </div>
  );
}
