#include "tests/report/html_check.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace luban::report::testing {
namespace {

const std::set<std::string>& VoidElements() {
  static const auto* const kVoid =
      new std::set<std::string>{"area",  "base", "br",   "col",    "embed", "hr", "img",
                                "input", "link", "meta", "source", "track", "wbr"};
  return *kVoid;
}

bool NameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':';
}

// Walks the tags of `html`, calling `on_start(name)` for each start tag; returns the problem.
template <typename OnStart>
std::string Walk(absl::string_view html, OnStart on_start) {
  std::vector<std::string> open;
  size_t i = 0;
  const auto at = [&](size_t pos, absl::string_view what) {
    return absl::StrCat(what, " at byte ", pos);
  };
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      size_t j = i + 1;
      if (j < html.size() && html[j] == '#') ++j;
      const size_t start = j;
      while (j < html.size() && absl::ascii_isalnum(static_cast<unsigned char>(html[j]))) ++j;
      if (j == start || j >= html.size() || html[j] != ';') {
        return at(i, "'&' that starts no character reference");
      }
      i = j + 1;
      continue;
    }
    if (c != '<') {
      ++i;
      continue;
    }
    if (html.substr(i, 4) == "<!--") {
      const size_t end = html.find("-->", i + 4);
      if (end == absl::string_view::npos) return at(i, "unterminated comment");
      i = end + 3;
      continue;
    }
    if (html.substr(i, 2) == "<!") {  // <!DOCTYPE html>
      const size_t end = html.find('>', i);
      if (end == absl::string_view::npos) return at(i, "unterminated declaration");
      i = end + 1;
      continue;
    }
    const bool closing = i + 1 < html.size() && html[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    const size_t name_start = j;
    while (j < html.size() && NameChar(html[j])) ++j;
    if (j == name_start) return at(i, "bare '<' in text");
    const std::string name = absl::AsciiStrToLower(html.substr(name_start, j - name_start));
    // Attributes: name, optionally = "quoted" value.
    bool self_closing = false;
    while (true) {
      while (j < html.size() && absl::ascii_isspace(static_cast<unsigned char>(html[j]))) ++j;
      if (j >= html.size()) return at(i, "unterminated tag");
      if (html[j] == '>') {
        ++j;
        break;
      }
      if (html[j] == '/' && j + 1 < html.size() && html[j + 1] == '>') {
        self_closing = true;
        j += 2;
        break;
      }
      if (closing) return at(j, "attributes in an end tag");
      const size_t attribute = j;
      while (j < html.size() && NameChar(html[j])) ++j;
      if (j == attribute) return at(j, absl::StrCat("bad attribute in <", name, ">"));
      if (j < html.size() && html[j] == '=') {
        ++j;
        if (j >= html.size() || (html[j] != '"' && html[j] != '\'')) {
          return at(j, absl::StrCat("unquoted attribute value in <", name, ">"));
        }
        const size_t end = html.find(html[j], j + 1);
        if (end == absl::string_view::npos) return at(j, "unterminated attribute value");
        j = end + 1;
      }
    }
    if (closing) {
      if (open.empty()) return at(i, absl::StrCat("</", name, "> closes nothing"));
      if (open.back() != name) {
        return at(i, absl::StrCat("</", name, "> closes <", open.back(), ">"));
      }
      open.pop_back();
    } else {
      on_start(name);
      if (!self_closing && VoidElements().count(name) == 0) {
        open.push_back(name);
        if (name == "style" || name == "script") {  // raw text up to the end tag
          const size_t end = html.find(absl::StrCat("</", name), j);
          if (end == absl::string_view::npos) return at(i, absl::StrCat("unclosed <", name, ">"));
          j = end;
        }
      }
    }
    i = j;
  }
  if (!open.empty()) return absl::StrCat("<", open.back(), "> never closed");
  return "";
}

}  // namespace

std::string HtmlProblem(absl::string_view html) {
  return Walk(html, [](const std::string&) {});
}

std::map<std::string, int> ElementCounts(absl::string_view html) {
  std::map<std::string, int> counts;
  Walk(html, [&](const std::string& name) { ++counts[name]; });
  return counts;
}

}  // namespace luban::report::testing
