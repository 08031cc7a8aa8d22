// Keyboard users land in a form when it opens (an edit form above a long table, a confirmation):
// its first field, else its first button, takes the focus.
import { type RefObject, useEffect, useRef } from "react";

export function useFocusFirst<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>("input, select, textarea, button")?.focus();
  }, []);
  return ref;
}
