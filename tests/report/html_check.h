// A small well-formedness check of the report's HTML (for tests): every opened element is closed
// in order, void elements (meta, br...) need no end tag, "<x/>" closes itself (SVG), the text of
// <style> is skipped, attributes are quoted, a bare '<' in text and an '&' that starts no
// character reference are errors.
#ifndef LUBAN_TESTS_REPORT_HTML_CHECK_H_
#define LUBAN_TESTS_REPORT_HTML_CHECK_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace luban::report::testing {

// "" when `html` is well-formed as above; else what is wrong and at which byte offset.
std::string HtmlProblem(absl::string_view html);

// How many start tags of each element name `html` holds (e.g. counts["svg"]).
std::map<std::string, int> ElementCounts(absl::string_view html);

}  // namespace luban::report::testing

#endif  // LUBAN_TESTS_REPORT_HTML_CHECK_H_
