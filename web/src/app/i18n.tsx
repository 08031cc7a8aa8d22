// The page's language: chosen with the switch, remembered per browser (localStorage holds only
// this choice), else the browser's own if the console speaks it, else English.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

import { type Language, type MessageKey, MESSAGES, translate } from "./messages.js";

const STORAGE_KEY = "luban.language";

export function initialLanguage(stored: string | null, browser: readonly string[]): Language {
  if (stored !== null && stored in MESSAGES) return stored as Language;
  for (const tag of browser) {
    const primary = tag.toLowerCase().split("-")[0];
    if (primary in MESSAGES) return primary as Language;
  }
  return "en";
}

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setState] = useState<Language>(() =>
    initialLanguage(localStorage.getItem(STORAGE_KEY), navigator.languages ?? []),
  );
  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setState(next);
  }, []);
  document.documentElement.lang = language;
  const value = useMemo<I18n>(
    () => ({ language, setLanguage, t: (key, values) => translate(language, key, values) }),
    [language, setLanguage],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (i18n === null) throw new Error("useI18n outside I18nProvider");
  return i18n;
}
