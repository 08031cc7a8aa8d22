# Sanitizer builds of the whole project (every target, tests included):
#
#   -DLUBAN_SANITIZE=address   AddressSanitizer + UndefinedBehaviorSanitizer (any finding aborts)
#   -DLUBAN_SANITIZE=thread    ThreadSanitizer
#
# With clang, an address build also compiles the product's libraries with libFuzzer's coverage
# (-fsanitize=fuzzer-no-link; tests/ takes it off its own code), so the fuzz targets of
# tests/fuzz link against the same libraries; LUBAN_FUZZ is then ON. Third-party libraries (gRPC, protobuf, the connector) are
# Debian's, uninstrumented.
set(LUBAN_SANITIZE "" CACHE STRING "Sanitizers for every target: '', address (ASan+UBSan) or thread")
set_property(CACHE LUBAN_SANITIZE PROPERTY STRINGS "" address thread)
set(LUBAN_FUZZ OFF)

if(LUBAN_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_compile_options(-fsanitize=fuzzer-no-link)
    set(LUBAN_FUZZ ON)
  endif()
elseif(LUBAN_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  # Debian's Abseil is uninstrumented: without tests/sanitizers/tsan_absl_sync.cc TSan sees no
  # absl::Mutex, CondVar or Notification synchronise and reports every access they guard.
  file(STRINGS "${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan_absl_sync.cc" luban_tsan_wrapped
       REGEX "^[a-z ]+__wrap_[A-Za-z0-9_]+\\(")
  list(TRANSFORM luban_tsan_wrapped REPLACE "^[a-z ]+__wrap_([A-Za-z0-9_]+)\\(.*$" "\\1")
  list(REMOVE_DUPLICATES luban_tsan_wrapped)
  list(TRANSFORM luban_tsan_wrapped PREPEND "LINKER:--wrap=")
  add_link_options(${luban_tsan_wrapped})
  # Shared, so that it resolves the wrapped calls of every static library whatever the link order.
  add_library(luban_tsan_absl_sync SHARED "${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan_absl_sync.cc")
  target_link_libraries(luban_tsan_absl_sync PRIVATE absl::synchronization absl::time)
  link_libraries(luban_tsan_absl_sync)
  # std::string's members stay inside each executable (see the map for why).
  add_link_options(
    "LINKER:--version-script=${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan_exports.map")
elseif(NOT LUBAN_SANITIZE STREQUAL "")
  message(FATAL_ERROR "LUBAN_SANITIZE must be '', address or thread (got '${LUBAN_SANITIZE}')")
endif()
