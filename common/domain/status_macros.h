// Early returns on a failed absl::Status or absl::StatusOr, the one way to write them here:
//
//   LUBAN_RETURN_IF_ERROR(CheckText("city", draft.city, 1, 100));
//   LUBAN_ASSIGN_OR_RETURN(auto workshop, tx.GetWorkshop(id, /*for_update=*/true));
//   workshop.status = target;  // the value, moved out of the StatusOr
//
// Both return the failed status as it is; a caller that adds to it (a field name, another
// code) writes its `if` by hand.
#ifndef LUBAN_COMMON_DOMAIN_STATUS_MACROS_H_
#define LUBAN_COMMON_DOMAIN_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status `expr` evaluates to from the enclosing function unless it is OK.
#define LUBAN_RETURN_IF_ERROR(expr)                                   \
  do {                                                                \
    if (::absl::Status luban_status_ = (expr); !luban_status_.ok()) { \
      return luban_status_;                                           \
    }                                                                 \
  } while (false)

// Declares `lhs` (e.g. `auto run`, `const Trainee trainee`) with the value of the StatusOr that
// `rexpr` evaluates to, or returns its status from the enclosing function. A statement, not an
// expression: it declares a hidden StatusOr named after the line.
#define LUBAN_ASSIGN_OR_RETURN(lhs, rexpr) \
  LUBAN_ASSIGN_OR_RETURN_IMPL_(LUBAN_STATUS_CONCAT_(luban_statusor_, __LINE__), lhs, rexpr)

#define LUBAN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#define LUBAN_STATUS_CONCAT_INNER_(a, b) a##b
#define LUBAN_STATUS_CONCAT_(a, b) LUBAN_STATUS_CONCAT_INNER_(a, b)

#endif  // LUBAN_COMMON_DOMAIN_STATUS_MACROS_H_
