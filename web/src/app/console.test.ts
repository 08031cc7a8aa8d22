// The console's own logic: its words in three languages, names and dates, errors for people.
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";

import { DateSchema, LocalizedStringSchema } from "../gen/luban/common/v1/types_pb.js";
import { showError } from "./errors.js";
import { initialLanguage } from "./i18n.js";
import { en, loadMessages, translate } from "./messages.js";
import { ru } from "./messages/ru.js";
import { zh } from "./messages/zh.js";
import { isoDate, localized, resourceId } from "./text.js";

describe("messages", () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it("say the same things with the same placeholders in every language", () => {
    for (const [key, english] of Object.entries(en)) {
      for (const [language, messages] of Object.entries({ ru, zh })) {
        const text = messages[key as keyof typeof en];
        expect(text, `${language} ${key}`).not.toBe("");
        expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(english));
      }
    }
  });

  it("fill placeholders and leave unknown ones visible", async () => {
    expect(translate("en", "app.title")).toBe("Luban Workshops");
    await loadMessages("zh");
    expect(translate("zh", "app.title")).toBe("鲁班工坊");
  });
});

describe("initialLanguage", () => {
  it("keeps the browser's remembered choice", () => {
    expect(initialLanguage("ru", ["zh-CN"])).toBe("ru");
  });
  it("takes the browser's first language the console speaks", () => {
    expect(initialLanguage(null, ["tg-TJ", "ru-RU", "en"])).toBe("ru");
    expect(initialLanguage(null, ["zh-Hans-CN"])).toBe("zh");
  });
  it("falls back to English, ignoring a stored value it does not know", () => {
    expect(initialLanguage("xx", ["kk"])).toBe("en");
  });
});

describe("text", () => {
  const names = [
    create(LocalizedStringSchema, { languageCode: "zh", text: "鲁班工坊" }),
    create(LocalizedStringSchema, { languageCode: "en", text: "Luban Workshop" }),
    create(LocalizedStringSchema, { languageCode: "tg", text: "Коргоҳи Лубан" }),
  ];
  it("shows a name in the page's language, else English, else the first", () => {
    expect(localized(names, "zh")).toBe("鲁班工坊");
    expect(localized(names, "ru")).toBe("Luban Workshop");
    expect(localized(names.slice(2), "ru")).toBe("Коргоҳи Лубан");
    expect(localized([], "en")).toBe("");
  });
  it("writes dates as ISO 8601 and unset ones as nothing", () => {
    expect(isoDate(create(DateSchema, { year: 2026, month: 9, day: 1 }))).toBe("2026-09-01");
    expect(isoDate(undefined)).toBe("");
    expect(isoDate(create(DateSchema, {}))).toBe("");
  });
  it("takes the id of a resource name", () => {
    expect(resourceId("courseRuns/12")).toBe("12");
  });
});

describe("showError", () => {
  it("keeps the service's words for a refused input", () => {
    const shown = showError(
      new ConnectError("capacity: must be between 1 and 500", Code.InvalidArgument),
    );
    expect(shown.key).toBe("error.invalid");
    expect(shown.detail).toBe("capacity: must be between 1 and 500");
  });
  it("says 'try again' for an outage, without the internals", () => {
    const shown = showError(new ConnectError("connect ECONNREFUSED 127.0.0.1:50052", Code.Unavailable));
    expect(shown.key).toBe("error.unavailable");
    expect(shown.detail).toBe("");
    expect(showError(new Error("boom")).key).toBe("error.unexpected");
  });
});
