# Compiler settings shared by our own targets only (never forced on consumers).
option(MTXRELAY_WERROR "Treat warnings as errors (CI turns this on)" OFF)
option(MTXRELAY_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(MTXRELAY_TSAN "Build with ThreadSanitizer" OFF)
option(MTXRELAY_FUZZ "Build the libFuzzer targets in fuzz/ (clang; scripts/fuzz.sh uses build-fuzz)" OFF)

add_library(mtxrelay_settings INTERFACE)
target_compile_options(mtxrelay_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  $<$<BOOL:${MTXRELAY_WERROR}>:-Werror>)
target_compile_definitions(mtxrelay_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)

if(MTXRELAY_SANITIZE)
  target_compile_options(mtxrelay_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(mtxrelay_settings INTERFACE -fsanitize=address,undefined)
endif()
if(MTXRELAY_TSAN)
  target_compile_options(mtxrelay_settings INTERFACE -fsanitize=thread)
  target_link_options(mtxrelay_settings INTERFACE -fsanitize=thread)
endif()
