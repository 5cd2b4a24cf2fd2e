# SPDX-License-Identifier: MIT
# cmake -DINPUT=x.bpf.o -DOUTPUT=x.embed.h -DSYMBOL=x_bpf_o -P BpfEmbed.cmake
# Writes the bytes of INPUT as a C array:
#   static const unsigned char SYMBOL[] = {...};
#   static const unsigned int SYMBOL_len = N;
foreach(var INPUT OUTPUT SYMBOL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "BpfEmbed.cmake: -D${var}=... is required")
  endif()
endforeach()
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
# 16 bytes per line.
string(REGEX REPLACE "([0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])"
       "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
get_filename_component(input_name ${INPUT} NAME)
file(WRITE ${OUTPUT}.tmp
  "/* Generated from ${input_name} by BpfEmbed.cmake; do not edit. */\n"
  "static const unsigned char ${SYMBOL}[] __attribute__((aligned(8))) = {\n${bytes}\n};\n"
  "static const unsigned int ${SYMBOL}_len = ${size};\n")
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
