# SPDX-License-Identifier: MIT
# wb_set_warnings(target): the project's warning set; errors when WB_WERROR is on.
function(wb_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
    $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
    -Wno-unused-parameter $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)
  if(WB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
