# luban_embed_migrations(<target> TRACK <name> FUNCTION <c++ function> [NAMESPACE <ns>]
#                        DIR <dir of NNNN_name.sql>)
# Embeds a service's numbered SQL migrations into <target> so a binary carries its own schema
# history: the generated source defines
#   const std::vector<luban::db::Migration>& <function>();
# with the files in version order. Re-run CMake after adding a file (the glob is configure-time;
# CONFIGURE_DEPENDS makes the build re-glob).
function(luban_embed_migrations target)
  cmake_parse_arguments(ARG "" "TRACK;FUNCTION;NAMESPACE;DIR" "" ${ARGN})
  if(NOT ARG_NAMESPACE)
    set(ARG_NAMESPACE luban)
  endif()
  file(GLOB sql_files CONFIGURE_DEPENDS "${ARG_DIR}/[0-9][0-9][0-9][0-9]_*.sql")
  list(SORT sql_files)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${ARG_FUNCTION}_migrations.cc")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DTRACK=${ARG_TRACK} -DFUNCTION=${ARG_FUNCTION} -DNAMESPACE=${ARG_NAMESPACE}
            "-DFILES=${sql_files}" -P "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake"
    DEPENDS ${sql_files} "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake"
    COMMENT "embedding ${ARG_TRACK} migrations"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
