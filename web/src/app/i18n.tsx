// The page's language: chosen with the switch, remembered per browser (localStorage holds only
// this choice), else the browser's own if the console speaks it, else English.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from "react";

import {
  hasMessages,
  LANGUAGES,
  type Language,
  loadMessages,
  type MessageKey,
  translate,
} from "./messages.js";

const STORAGE_KEY = "luban.language";

const spoken = (tag: string): tag is Language => LANGUAGES.some((l) => l.value === tag);

export function initialLanguage(stored: string | null, browser: readonly string[]): Language {
  if (stored !== null && spoken(stored)) return stored;
  for (const tag of browser) {
    const primary = tag.toLowerCase().split("-")[0];
    if (spoken(primary)) return primary;
  }
  return "en";
}

// This browser's language for the page; main.tsx loads its messages before the first render.
export function pageLanguage(): Language {
  return initialLanguage(localStorage.getItem(STORAGE_KEY), navigator.languages ?? []);
}

// Whether the messages of `languages` are loaded, loading them when not (a page in two languages
// at once: the certificate).
export function useMessages(...languages: Language[]): boolean {
  const missing = languages.filter((l) => !hasMessages(l));
  const [, loaded] = useState(0);
  const key = missing.join();
  useEffect(() => {
    if (key === "") return;
    let live = true;
    void Promise.all(key.split(",").map((l) => loadMessages(l as Language))).then(
      () => live && loaded((n) => n + 1),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return missing.length === 0;
}

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setState] = useState<Language>(pageLanguage);
  // The switch takes effect once the language's messages are loaded.
  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    void loadMessages(next).then(() => {
      document.documentElement.lang = next;
      setState(next);
    });
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
