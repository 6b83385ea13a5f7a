// The canvas: nodes and edges of the flow in @xyflow/react, drawn from the view model; nodes are
// dropped here from the palette and connected port to port. The Editor holds the
// ReactFlowProvider, so the palette can ask where the canvas looks (useCanvasView).
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStoreApi,
  type Connection,
  type Edge as CanvasEdge,
  type EdgeChange,
  type Node as CanvasNode,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useMemo, useRef, useState } from "react";
import { useEditor } from "../store/flowStore";
import { connect, removeEdge, type CanvasView } from "../store/flowEdits";
import { visibleCentre, type Size } from "./placement";
import { SluiceNode, type SluiceNodeData } from "./SluiceNode";
import { createViewCache, nodeViews } from "./viewModel";

const nodeTypes = { sluice: SluiceNode };

/** The MIME type the palette drags a node type with. */
export const PALETTE_MIME = "application/x-sluice-component";

/** Reads, when called, where the canvas looks and the node sizes it measured, for placing a node
 *  added by a palette click. Needs the Editor's ReactFlowProvider. */
export function useCanvasView(): () => CanvasView {
  const store = useStoreApi();
  return useCallback(() => {
    const { width, height, transform, nodeLookup } = store.getState();
    const measured: Record<string, Size> = {};
    for (const [id, node] of nodeLookup) {
      if (node.measured.width && node.measured.height) measured[id] = { width: node.measured.width, height: node.measured.height };
    }
    return { centre: visibleCentre(width, height, transform), measured };
  }, [store]);
}

/** The minimap's size: one object, so the minimap does not redraw its 500 nodes on every edit. */
const MINIMAP_SIZE = { width: 120, height: 80 };

export function Canvas() {
  const flow = useEditor((state) => state.flow)!;
  const components = useEditor((state) => state.components);
  const problems = useEditor((state) => state.problems);
  const run = useEditor((state) => state.run);
  const previews = useEditor((state) => state.previews);
  const selected = useEditor((state) => state.selected);
  const { screenToFlowPosition } = useReactFlow();
  // Fit the view once, when a flow with nodes opens — not again as nodes are added.
  const [fitOnOpen] = useState(flow.nodes.length > 0);
  // React Flow measures nodes; keeping the sizes lets the minimap and fit-view draw them.
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({});

  const viewCache = useRef(createViewCache());
  const canvasNodes = useRef(new WeakMap<object, CanvasNode<SluiceNodeData>>());
  const views = useMemo(
    () => nodeViews(flow, components, problems, run, previews, viewCache.current),
    [flow, components, problems, run, previews],
  );
  // Canvas nodes keep their identity while nothing about them changed, so React Flow only
  // re-renders the nodes that moved or changed.
  // The array itself is kept while every node in it is, so an edit that changes nothing drawn
  // (typing in a node's settings) leaves React Flow alone.
  const lastNodes = useRef<CanvasNode<SluiceNodeData>[]>([]);
  const nodes: CanvasNode<SluiceNodeData>[] = useMemo(() => {
    const chosen = new Set(selected);
    const next = flow.nodes.map((node, index) => {
      const view = views[index];
      const isSelected = chosen.has(node.id);
      const previous = canvasNodes.current.get(view);
      if (previous && previous.position === node.position && previous.selected === isSelected && previous.measured === sizes[node.id]) {
        return previous;
      }
      const canvasNode: CanvasNode<SluiceNodeData> = {
        id: node.id,
        type: "sluice",
        position: node.position ?? { x: 0, y: 0 },
        data: { view },
        selected: isSelected,
        measured: sizes[node.id],
      };
      canvasNodes.current.set(view, canvasNode);
      return canvasNode;
    });
    const last = lastNodes.current;
    if (next.length === last.length && next.every((node, index) => node === last[index])) return last;
    lastNodes.current = next;
    return next;
  }, [flow, views, selected, sizes]);
  const running = run?.status === "running";
  const edges: CanvasEdge[] = useMemo(
    () =>
      flow.edges.map((edge) => {
        const port = edge.from_port ?? "out";
        const input = edge.to_port ?? "in";
        return {
          id: `${edge.from}:${port}->${edge.to}:${input}`,
          source: edge.from,
          sourceHandle: port,
          target: edge.to,
          targetHandle: input,
          className: port === "error" ? "error-edge" : undefined,
          animated: running,
          data: { port },
        };
      }),
    [flow.edges, running],
  );

  const onNodesChange = (changes: NodeChange[]) => {
    const state = useEditor.getState();
    const measured = changes.filter((change) => change.type === "dimensions" && change.dimensions);
    if (measured.length) {
      setSizes((current) => {
        const next = { ...current };
        for (const change of measured) {
          if (change.type === "dimensions" && change.dimensions) next[change.id] = change.dimensions;
        }
        return next;
      });
    }
    for (const change of changes) {
      if (change.type === "position" && change.position) {
        state.move(change.id, change.position, !change.dragging);
      } else if (change.type === "remove") {
        state.select([change.id]);
        state.removeSelected();
      }
    }
    const selection = changes.filter((change) => change.type === "select");
    if (selection.length) {
      const now = new Set(state.selected);
      for (const change of selection) {
        if (change.type !== "select") continue;
        if (change.selected) now.add(change.id);
        else now.delete(change.id);
      }
      state.select([...now]);
    }
  };

  const onEdgesChange = (changes: EdgeChange[]) => {
    for (const change of changes) {
      if (change.type !== "remove") continue;
      const edge = edges.find((candidate) => candidate.id === change.id);
      if (edge) {
        useEditor.getState().edit((current) =>
          removeEdge(current, { from: edge.source, port: edge.sourceHandle ?? null, to: edge.target, input: edge.targetHandle ?? null }),
        );
      }
    }
  };

  const onConnect = (connection: Connection) => {
    useEditor.getState().edit((current) =>
      connect(current, connection.source, connection.sourceHandle ?? null, connection.target, connection.targetHandle ?? null));
  };

  return (
    <div
      className="canvas"
      data-testid="canvas"
      onDragOver={(event) => {
        if (event.dataTransfer.types.includes(PALETTE_MIME)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
        }
      }}
      onDrop={(event) => {
        const component = event.dataTransfer.getData(PALETTE_MIME);
        if (!component) return;
        event.preventDefault();
        useEditor.getState().addNode(component, screenToFlowPosition({ x: event.clientX, y: event.clientY }));
      }}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        deleteKeyCode={null}
        defaultViewport={{ x: 0, y: 0, zoom: 1 }}
        fitView={fitOnOpen}
        fitViewOptions={{ maxZoom: 1, padding: 0.2 }}
        minZoom={0.1}
        onlyRenderVisibleElements={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls />
        {/* Small, in the corner away from the controls, and click-through (see .minimap in
            styles.css): it shows where the view is without ever taking a click meant for a node. */}
        <MiniMap className="minimap" position="top-right" style={MINIMAP_SIZE} pannable={false} zoomable={false} />
      </ReactFlow>
    </div>
  );
}
