// The filters and functions the engine offers (asked once per session): completion shows them
// with their help.
import { useEffect, useState } from "react";
import { api } from "../api";
import type { Word } from "../bindings/Word";

let asked: Promise<Word[]> | null = null;

/** The engine's expression vocabulary; empty until it answers (or if it cannot). */
export function useExpressionVocabulary(): Word[] {
  const [words, setWords] = useState<Word[]>([]);
  useEffect(() => {
    let mounted = true;
    asked ??= api.expressionVocabulary().catch(() => {
      asked = null;
      return [];
    });
    asked.then((answer) => mounted && setWords(answer));
    return () => {
      mounted = false;
    };
  }, []);
  return words;
}
