// The tables a node's database credential can read, for its form's pickers: asked of the runtime
// when the credential changes (the answer of an older request is dropped).
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { Catalog } from "./databasePicker";

const NOTHING: Catalog = { tables: [], error: null };

export function useDatabaseTables(credential: string | null): Catalog {
  const [catalog, setCatalog] = useState<Catalog>(NOTHING);
  useEffect(() => {
    setCatalog(NOTHING);
    if (!credential) return;
    let current = true;
    api.credentialTables(credential).then(
      (tables) => current && setCatalog({ tables, error: null }),
      (error) => current && setCatalog({ tables: [], error: errorText(error) }),
    );
    return () => {
      current = false;
    };
  }, [credential]);
  return catalog;
}
