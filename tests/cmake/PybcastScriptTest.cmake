# pybcast_script_test(): how every shell-script test is registered (not the
# GoogleTest binary in tests/unit, not tests/fuzz).
#
# The binaries under test come from one cache variable, PYBCAST_TEST_BIN_DIR:
# by default this build's bin directory; -DPYBCAST_TEST_BIN_DIR=/usr/bin runs
# the same tests against an installed package (scripts/ci-package.sh runs the
# label `installed` that way). Outside the build tree, the installed prefix is
# the bin directory's parent, and the tests that check installed files (the
# tree, man pages, completion) are told where they are.
set(PYBCAST_TEST_BIN_DIR "${CMAKE_RUNTIME_OUTPUT_DIRECTORY}" CACHE PATH
    "Directory of the pybcast and python-mpi binaries the script tests run (default: this build's)")

set(PYBCAST_TEST_ENV "PYBCAST=${PYBCAST_TEST_BIN_DIR}/pybcast" "PYTHON_MPI=${PYBCAST_TEST_BIN_DIR}/python-mpi")
cmake_path(COMPARE "${PYBCAST_TEST_BIN_DIR}" EQUAL "${CMAKE_RUNTIME_OUTPUT_DIRECTORY}" PYBCAST_TEST_BUILD_TREE)
if(NOT PYBCAST_TEST_BUILD_TREE)
  cmake_path(GET PYBCAST_TEST_BIN_DIR PARENT_PATH _prefix)
  list(APPEND PYBCAST_TEST_ENV
    "PYBCAST_INSTALLED_PREFIX=${_prefix}"
    "PYBCAST_MAN_DIR=${_prefix}/share/man/man1"
    "PYBCAST_COMPLETION=${_prefix}/share/bash-completion/completions/pybcast")
  message(STATUS "Script tests run the binaries in ${PYBCAST_TEST_BIN_DIR} (installed under ${_prefix})")
endif()

# The slowfs FUSE file system the slowfs and doctor tests mount (bench/slowfs,
# built only where libfuse3-dev is installed; those tests skip otherwise).
if(TARGET slowfs)
  set(PYBCAST_TEST_SLOWFS $<TARGET_FILE:slowfs>)
else()
  set(PYBCAST_TEST_SLOWFS /nonexistent/slowfs-needs-libfuse3-dev)
endif()

# pybcast_script_test(NAME name SCRIPT script.sh [ARGS args...]
#                     [LABELS labels...] [TIMEOUT seconds] [CAN_SKIP] [RUN_SERIAL]
#                     [FIXTURES_SETUP fixtures...] [FIXTURES_REQUIRED fixtures...]
#                     [ENVIRONMENT VAR=value...])
# SCRIPT is relative to the calling directory's sources. The test's environment
# is PYBCAST and PYTHON_MPI (from PYBCAST_TEST_BIN_DIR), the installed paths
# when testing an install, then ENVIRONMENT. CAN_SKIP: exit 77 is a skip
# (tests/lib/common.sh's skip), not a failure.
function(pybcast_script_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "CAN_SKIP;RUN_SERIAL" "NAME;SCRIPT;TIMEOUT"
                        "ARGS;LABELS;FIXTURES_SETUP;FIXTURES_REQUIRED;ENVIRONMENT")
  if(NOT arg_NAME OR NOT arg_SCRIPT OR arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pybcast_script_test(NAME n SCRIPT s ...): got ${ARGV}")
  endif()
  # PARSE_ARGV keeps an argument's own semicolons escaped: LABELS "e2e;sanitize"
  # was the one label `e2e\;sanitize`, which no `-L '^sanitize$'` matched.
  foreach(list LABELS FIXTURES_SETUP FIXTURES_REQUIRED)
    string(REPLACE "\\;" ";" arg_${list} "${arg_${list}}")
  endforeach()
  add_test(NAME ${arg_NAME} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/${arg_SCRIPT} ${arg_ARGS})
  set(env ${PYBCAST_TEST_ENV} ${arg_ENVIRONMENT})
  set_tests_properties(${arg_NAME} PROPERTIES ENVIRONMENT "${env}")
  foreach(property LABELS TIMEOUT FIXTURES_SETUP FIXTURES_REQUIRED)
    if(DEFINED arg_${property})
      set_tests_properties(${arg_NAME} PROPERTIES ${property} "${arg_${property}}")
    endif()
  endforeach()
  if(arg_CAN_SKIP)
    set_tests_properties(${arg_NAME} PROPERTIES SKIP_RETURN_CODE 77)
  endif()
  if(arg_RUN_SERIAL)
    set_tests_properties(${arg_NAME} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()
