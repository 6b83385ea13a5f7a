// The trust review of a flow from elsewhere, as the dialog lists it: one section per kind of
// reach (files, hosts, databases, credentials, webhooks, schedule), each line with what deserves
// a look. Pure, beside its tests.
import type { FlowReview } from "../bindings/FlowReview";

export type ReviewLine = { text: string; detail: string; warnings: string[]; forbidden: boolean };
export type ReviewSection = { title: string; lines: ReviewLine[] };

/** The review's sections, in reading order; sections with nothing in them are left out. */
export function reviewSections(review: FlowReview): ReviewSection[] {
  const files = (writes: boolean): ReviewLine[] =>
    review.files
      .filter((file) => file.writes === writes)
      .map((file) => ({ text: file.path, detail: `node ${file.node}`, warnings: file.concerns, forbidden: file.forbidden }));
  const hosts: ReviewLine[] = review.hosts.map((host) => ({
    text: host.host ?? "a host chosen while it runs",
    detail: `${host.url} — node ${host.node}`,
    warnings: [
      ...(host.sends_records ? ["sends records"] : []),
      ...(host.credential ? [`sends the credential “${host.credential}”`] : []),
    ],
    forbidden: false,
  }));
  const sections: ReviewSection[] = [
    { title: "Files it reads", lines: files(false) },
    { title: "Files it writes", lines: files(true) },
    { title: "Hosts it contacts", lines: hosts },
    {
      title: "Databases it reads or writes",
      lines: review.databases.map((database) => ({
        text: database.what,
        detail: `node ${database.node}${database.credential ? ` — credential “${database.credential}”` : ""}`,
        warnings: [],
        forbidden: false,
      })),
    },
    {
      title: "Credentials it uses",
      lines: review.credentials.map((name) => ({ text: name, detail: "", warnings: [], forbidden: false })),
    },
    {
      title: "Takes requests from outside",
      lines: review.listens.map((node) => ({ text: `webhook node ${node}`, detail: "", warnings: [], forbidden: false })),
    },
    {
      title: "Schedule",
      lines: review.schedule
        ? [{ text: review.schedule, detail: review.schedule_enabled ? "on" : "off until you turn it on", warnings: [], forbidden: false }]
        : [],
    },
  ];
  return sections.filter((section) => section.lines.length > 0);
}

/** Whether the flow reaches something no flow may (it cannot run even once approved). */
export function hasForbidden(review: FlowReview): boolean {
  return review.files.some((file) => file.forbidden);
}
