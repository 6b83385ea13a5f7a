// Pinned samples kept with the stored flow: read when a flow opens, written when the person pins
// or unpins one (the editor shows the change at once and takes it back if it cannot be stored).
import { api } from "../api";
import { useEditor } from "../store/flowStore";

/** Reads the samples pinned in flow `flowId` into the editor. */
export async function loadPins(flowId: string): Promise<void> {
  useEditor.getState().pinsLoaded(flowId, await api.pinnedSamples(flowId));
}

/** Pins `records` as `node`'s test input (null unpins), in the editor and in the store. */
export async function pinSample(node: string, records: Record<string, unknown>[] | null): Promise<void> {
  const { flow, pinned, pin } = useEditor.getState();
  if (!flow) return;
  const before = pinned[node] ?? null;
  pin(node, records);
  try {
    await api.pinSample(flow.id, node, records);
  } catch (error) {
    if (useEditor.getState().flow?.id === flow.id) useEditor.getState().pin(node, before);
    throw error;
  }
}
