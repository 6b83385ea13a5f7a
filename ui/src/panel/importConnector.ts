// Importing a connector manifest (Airbyte's declarative YAML) from a file the person chose or
// dropped: its node type joins the palette's Apps.
import { api, errorText } from "../api";
import { useEditor } from "../store/flowStore";

/** Imports a connector manifest (Airbyte's declarative YAML): its node type joins the palette's Apps. */
export async function importConnectorFile(
  path: string,
  setNotice: (notice: { text: string; error: boolean } | null) => void,
) {
  try {
    const connector = await api.importConnector(path);
    useEditor.getState().setComponents(await api.components());
    const version = connector.version && connector.version > 1 ? ` (version ${connector.version})` : "";
    setNotice({ text: `Imported the connector ${connector.title}${version}: its streams ${connector.streams.join(", ")} are in the palette under Apps.`, error: false });
  } catch (error) {
    setNotice({ text: `Could not import ${path}: ${errorText(error)}`, error: true });
  }
}

