// What the toolbar and the keyboard ask of the canvas view itself: tidy the flow up and show the
// result, or bring one node into the middle of the view. Needs the Editor's ReactFlowProvider.
import { useReactFlow } from "@xyflow/react";
import { useCallback, useMemo } from "react";
import { useEditor } from "../store/flowStore";
import { useCanvasView } from "./Canvas";
import { layoutFlow } from "./layout";
import { ASSUMED_NODE_SIZE } from "./placement";

/** The zoom a found node is shown at, at least: readable, whatever the view was zoomed out to. */
const FOCUS_ZOOM = 1;
const FIT = { padding: 0.2, maxZoom: 1, duration: 250 };

export type CanvasCommands = {
  /** Lays the flow out left to right (one undoable edit) and fits the view to it. */
  tidy: () => void;
  /** Selects a node and centres the view on it. */
  focusNode: (id: string) => void;
};

export function useCanvasCommands(): CanvasCommands {
  const canvasView = useCanvasView();
  const { fitView, setCenter, getInternalNode, getZoom } = useReactFlow();

  const tidy = useCallback(() => {
    const { measured } = canvasView();
    useEditor.getState().edit((flow) => layoutFlow(flow, measured));
    // The canvas takes the new positions on its next render; fit the view to them after that.
    requestAnimationFrame(() => void fitView(FIT));
  }, [canvasView, fitView]);

  const focusNode = useCallback(
    (id: string) => {
      useEditor.getState().select([id]);
      const node = getInternalNode(id);
      if (!node) return;
      const { x, y } = node.internals.positionAbsolute;
      const width = node.measured.width ?? ASSUMED_NODE_SIZE.width;
      const height = node.measured.height ?? ASSUMED_NODE_SIZE.height;
      void setCenter(x + width / 2, y + height / 2, { zoom: Math.max(getZoom(), FOCUS_ZOOM), duration: 300 });
    },
    [getInternalNode, getZoom, setCenter],
  );

  return useMemo(() => ({ tidy, focusNode }), [tidy, focusNode]);
}
