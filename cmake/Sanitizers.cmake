# -DDRILLHOST_SANITIZE=ON: every target built with AddressSanitizer (LeakSanitizer included) and
# UndefinedBehaviorSanitizer, for the unit and CLI tests (scripts/sanitize.sh, docs/testing.md).
# Undefined behaviour is not recovered from: the first report aborts the process, so a test fails.
# Included by the top-level CMakeLists.txt before any target, so plugins and fixtures get it too.
if(DRILLHOST_SANITIZE)
  if(DRILLHOST_FUZZ)
    message(FATAL_ERROR "DRILLHOST_SANITIZE and DRILLHOST_FUZZ are separate builds (build-asan, build-fuzz)")
  endif()
  set(DRILLHOST_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  add_compile_options(${DRILLHOST_SANITIZE_FLAGS})
  # GCC's flow warnings are unreliable on instrumented code (its manual says so for -fsanitize): with
  # ASan, GCC 12 reports std::regex's std::function members "maybe uninitialized". The normal build
  # (-Werror) keeps the warning; this one only runs the tests.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
  endif()
  add_link_options(${DRILLHOST_SANITIZE_FLAGS})
endif()
