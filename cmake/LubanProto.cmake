# luban_proto_library(<target> PROTOS <files relative to ROOT> [ROOT <dir, default protos/>]
#                     [DEPS <proto targets>] [GRPC])
# Generates C++ (and gRPC stubs with GRPC) once into the build tree; every binary and test that
# needs the package links <target>.
function(luban_proto_library target)
  cmake_parse_arguments(ARG "GRPC" "ROOT" "PROTOS;DEPS" ${ARGN})
  set(proto_root "${PROJECT_SOURCE_DIR}/protos")
  if(ARG_ROOT)
    set(proto_root "${ARG_ROOT}")
  endif()
  set(out_dir "${PROJECT_BINARY_DIR}/gen")
  file(MAKE_DIRECTORY "${out_dir}")
  set(srcs)
  set(hdrs)
  foreach(proto ${ARG_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base "${proto}")
    set(outputs "${out_dir}/${base}.pb.cc" "${out_dir}/${base}.pb.h")
    set(grpc_args)
    if(ARG_GRPC)
      list(APPEND outputs "${out_dir}/${base}.grpc.pb.cc" "${out_dir}/${base}.grpc.pb.h")
      set(grpc_args "--grpc_out=${out_dir}"
        "--plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>")
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc "--proto_path=${proto_root}" "--cpp_out=${out_dir}" ${grpc_args}
              "${proto_root}/${proto}"
      DEPENDS "${proto_root}/${proto}" protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    foreach(f ${outputs})
      if(f MATCHES "\\.cc$")
        list(APPEND srcs "${f}")
      else()
        list(APPEND hdrs "${f}")
      endif()
    endforeach()
  endforeach()
  add_library(${target} STATIC ${srcs} ${hdrs})
  # SYSTEM: generated code is not ours to warn about (e.g. -Woverloaded-virtual in stubs).
  target_include_directories(${target} SYSTEM PUBLIC "${out_dir}")
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  # protoc's code is checked as the protobuf library it calls is (Debian's, uninstrumented): no
  # UBSan, which tripled its compile time in the ASan build. ASan and the fuzzer's coverage stay.
  if(LUBAN_SANITIZE STREQUAL "address")
    target_compile_options(${target} PRIVATE -fno-sanitize=undefined)
  endif()
endfunction()
