// SPDX-License-Identifier: MIT
// The generators of tools/gen: layout headers checked member by member against the native
// compiler's layout (x86-64 lays these types out as BPF does), WIT output, skeletons.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdbool.h>
#include <stdint.h>
#include <sstream>
#include <string>
#include <type_traits>
#include <unistd.h>

#include <bpf/btf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gen/elf_sections.h"
#include "gen/generators.h"
#include "gen/guest_build.h"
#include "layout_types.h"

// The generated definitions, beside the native ones.
namespace gen {
#include "layout_types.wasm.h"
}

namespace wb::gen {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// --- gen header: the packed definitions have the native (BPF) layout -----------------------

#define SAME_OFFSET(type, member) \
  static_assert(offsetof(::type, member) == offsetof(::gen::type, member), #type "." #member)

static_assert(sizeof(::gen_outer) == sizeof(::gen::gen_outer));
SAME_OFFSET(gen_outer, tag);
SAME_OFFSET(gen_outer, inner);
SAME_OFFSET(gen_outer, u);
SAME_OFFSET(gen_outer, ptr);
SAME_OFFSET(gen_outer, fn);
SAME_OFFSET(gen_outer, color);
SAME_OFFSET(gen_outer, after_bits);
SAME_OFFSET(gen_outer, arr);
SAME_OFFSET(gen_outer, point);
SAME_OFFSET(gen_outer, as_int);
SAME_OFFSET(gen_outer, as_float);
SAME_OFFSET(gen_outer, anon);
SAME_OFFSET(gen_outer, ok);
SAME_OFFSET(gen_outer, perm);
static_assert(sizeof(::gen_inner) == sizeof(::gen::gen_inner));
SAME_OFFSET(gen_inner, l);
static_assert(sizeof(::gen_u) == sizeof(::gen::gen_u));
static_assert(sizeof(::gen_anon_t) == sizeof(::gen::gen_anon_t));
SAME_OFFSET(gen_anon_t, b);
static_assert(sizeof(::gen_packed) == sizeof(::gen::gen_packed));
SAME_OFFSET(gen_packed, b);
static_assert(sizeof(::gen_aligned) == sizeof(::gen::gen_aligned));
SAME_OFFSET(gen_aligned, b);
SAME_OFFSET(gen_aligned, p);
static_assert(sizeof(::gen::gen_outer::ptr) == 8, "pointers are 64-bit");
static_assert(sizeof(::gen::gen_outer::fn) == 8, "function pointers are 64-bit");

TEST(LayoutHeader, BitfieldsLandOnTheSameBits) {
  ::gen_outer native;
  std::memset(&native, 0, sizeof native);
  native.flags = 5;
  native.level = 100;
  native.delta = -7;
  native.big = 0x123456789Aull;
  native.after_bits = 0xAB;
  native.point.y = -3;
  ::gen::gen_outer generated;
  std::memcpy(&generated, &native, sizeof generated);
  EXPECT_EQ(generated.flags, 5u);
  EXPECT_EQ(generated.level, 100u);
  EXPECT_EQ(generated.delta, -7);
  EXPECT_EQ(generated.big, 0x123456789Aull);
  EXPECT_EQ(generated.after_bits, 0xAB);
  EXPECT_EQ(generated.point.y, -3);

  generated.level = 3;
  generated.big = 1;
  std::memcpy(&native, &generated, sizeof native);
  EXPECT_EQ(native.level, 3u);
  EXPECT_EQ(native.big, 1u);
  EXPECT_EQ(native.flags, 5u);
}

TEST(LayoutHeader, EnumsKeepTheirValues) {
  EXPECT_EQ(static_cast<int>(::gen::GEN_BLUE), -1);
  EXPECT_EQ(static_cast<int>(::gen::GEN_GREEN), 5);
  EXPECT_EQ(static_cast<int>(::gen::GEN_PERM_EXEC), 8);
}

TEST(LayoutHeader, EachStructHasASizeAssertion) {
  auto text = layout_header(WB_GEN_TYPES_OBJECT, {});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_THAT(*text, HasSubstr("WASM_BPF_STATIC_ASSERT(sizeof(struct gen_outer) == " + std::to_string(sizeof(::gen_outer))));
  EXPECT_THAT(*text, HasSubstr("WASM_BPF_STATIC_ASSERT(sizeof(union gen_u) == 8"));
  EXPECT_THAT(*text, HasSubstr("WASM_BPF_STATIC_ASSERT(sizeof(gen_anon_t) == 8"));
  // C++ has static_assert, C11 _Static_assert: each is an extension in the other language
  EXPECT_THAT(*text, HasSubstr("#ifdef __cplusplus\n#define WASM_BPF_STATIC_ASSERT(cond, msg) static_assert(cond, msg)\n"));
  EXPECT_THAT(*text, Not(HasSubstr("\n_Static_assert")));
  EXPECT_THAT(*text, HasSubstr("typedef struct {"));
  EXPECT_THAT(*text, HasSubstr("\tuint64_t ptr;\n"));
  EXPECT_THAT(*text, HasSubstr("\tint16_t arr[3][2];\n"));
  EXPECT_THAT(*text, HasSubstr("} __attribute__((packed));"));
}

// The typedef of a named struct is kept, under its own name, as WIT keeps it.
static_assert(std::is_same_v<::gen::gen_inner_t, ::gen::gen_inner>);

TEST(LayoutHeader, TypedefsOfNamedTypesAreKept) {
  auto all = layout_header(WB_GEN_TYPES_OBJECT, {});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_THAT(*all, HasSubstr("\ntypedef struct gen_inner gen_inner_t;\n"));
  EXPECT_THAT(*all, HasSubstr("WASM_BPF_STATIC_ASSERT(sizeof(gen_inner_t) == 16"));

  HeaderOptions o;
  o.types = {"gen_inner_t"};
  auto text = layout_header(WB_GEN_TYPES_OBJECT, o);
  ASSERT_TRUE(text) << text.error().message;
  const size_t type = text->find("struct gen_inner {"), alias = text->find("typedef struct gen_inner gen_inner_t;");
  ASSERT_NE(type, std::string::npos) << *text;
  ASSERT_NE(alias, std::string::npos) << *text;
  EXPECT_LT(type, alias);
  EXPECT_THAT(*text, Not(HasSubstr("gen_outer")));
}

TEST(LayoutHeader, EnumeratorsAreInts) {
  // clang 14 records -1 as 4294967295; ISO C wants enumerators in the range of int.
  auto text = layout_header(WB_GEN_TYPES_OBJECT, {});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_THAT(*text, HasSubstr("\tGEN_BLUE = -1,\n"));
  EXPECT_THAT(*text, Not(HasSubstr("4294967295")));
}

// Enumerators beyond int (ENUM64, from newer compilers than clang 14) are an extension in
// C11: the definition is wrapped so that -Wpedantic stays quiet, and C++ takes it as is.
TEST(LayoutHeader, SixtyFourBitEnumsCompileCleanly) {
  btf* b = btf__new_empty();
  ASSERT_NE(b, nullptr);
  ASSERT_GT(btf__add_enum64(b, "wide", 8, false), 0);
  ASSERT_EQ(btf__add_enum64_value(b, "WIDE_BIG", 0x100000001ull), 0);
  ASSERT_EQ(btf__add_enum64_value(b, "WIDE_SMALL", 3), 0);
  ASSERT_GT(btf__add_enum(b, "narrow", 4), 0);
  ASSERT_EQ(btf__add_enum_value(b, "NARROW_TOP", 0xfffffffeu), 0);
  __u32 size = 0;
  const void* raw = btf__raw_data(b, &size);
  const std::string dir = testing::TempDir();
  const std::string btf_path = dir + "/gen-enum64-" + std::to_string(getpid()) + ".btf";
  ASSERT_TRUE(write_file_if_changed(btf_path, std::string(static_cast<const char*>(raw), size)));
  btf__free(b);

  auto text = layout_header(btf_path, {});
  std::remove(btf_path.c_str());
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_THAT(*text, HasSubstr("\tWIDE_BIG = 4294967297ull,\n"));
  EXPECT_THAT(*text, HasSubstr("\tWIDE_SMALL = 3,\n"));
  EXPECT_THAT(*text, HasSubstr("\tNARROW_TOP = -2,\n"));
  EXPECT_THAT(*text, HasSubstr("#pragma GCC diagnostic ignored \"-Wpedantic\"\n"));
  const std::string header = dir + "/gen-enum64-" + std::to_string(getpid()) + ".h";
  ASSERT_TRUE(write_file_if_changed(header, *text));
  for (const std::string& cc : {std::string(WB_CLANG) + " -std=c11 -x c", std::string(WB_CLANGXX) + " -std=c++17 -x c++"}) {
    const std::string cmd = cc + " --target=wasm32-wasi -fsyntax-only -Wall -Wextra -Wpedantic -Werror -include " +
                            header + " /dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  std::remove(header.c_str());
}

TEST(LayoutHeader, DefinitionsAreGuarded) {
  auto text = layout_header(WB_GEN_TYPES_OBJECT, {});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_THAT(*text, HasSubstr("#ifndef WASM_BPF_DEFINED_struct_gen_outer\n#define WASM_BPF_DEFINED_struct_gen_outer\nstruct gen_outer {"));
  EXPECT_THAT(*text, HasSubstr("#ifndef WASM_BPF_DEFINED_enum_gen_color\n"));
  EXPECT_THAT(*text, HasSubstr("#ifndef WASM_BPF_DEFINED_typedef_gen_anon_t\n"));
  EXPECT_THAT(*text, HasSubstr("#ifndef WASM_BPF_DEFINED_typedef_gen_inner_t\n"));
}

TEST(LayoutHeader, TypeSelectionKeepsDependencies) {
  HeaderOptions o;
  o.types = {"gen_aligned"};
  auto text = layout_header(WB_GEN_TYPES_OBJECT, o);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_THAT(*text, HasSubstr("struct gen_packed {"));
  EXPECT_THAT(*text, HasSubstr("struct gen_aligned {"));
  EXPECT_THAT(*text, Not(HasSubstr("gen_outer")));
  EXPECT_LT(text->find("struct gen_packed {"), text->find("struct gen_aligned {"));

  o.types = {"no_such_type"};
  auto missing = layout_header(WB_GEN_TYPES_OBJECT, o);
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("no_such_type"));
}

TEST(LayoutHeader, ReportsAFileWithoutBtf) {
  auto text = layout_header("/bin/true", {});
  ASSERT_FALSE(text);
  EXPECT_THAT(text.error().message, HasSubstr("/bin/true"));
}

// --- WIT ---------------------------------------------------------------------------------

TEST(Wit, MapsTheCTypes) {
  WitOptions o;
  o.source_name = "layout_types.o";
  auto wit = wit_world(WB_GEN_TYPES_OBJECT, o);
  ASSERT_TRUE(wit) << wit.error().message;
  const std::string& w = *wit;
  EXPECT_THAT(w, HasSubstr("package wasm-bpf:layout-types;"));
  EXPECT_THAT(w, HasSubstr("world layout-types {"));
  EXPECT_THAT(w, HasSubstr("  record gen-outer {\n"));
  EXPECT_THAT(w, HasSubstr("    ptr: u64,\n"));
  EXPECT_THAT(w, HasSubstr("    after-bits: u8,\n"));
  EXPECT_THAT(w, HasSubstr("    arr: list<list<s16>>,\n"));
  EXPECT_THAT(w, HasSubstr("    point: gen-outer-point,\n"));
  EXPECT_THAT(w, HasSubstr("  record gen-outer-point {\n"));
  EXPECT_THAT(w, HasSubstr("    anonymous-union: list<u8>,\n"));
  EXPECT_THAT(w, HasSubstr("    ok: bool,\n"));
  EXPECT_THAT(w, HasSubstr("  type gen-u = list<u8>;\n"));
  EXPECT_THAT(w, HasSubstr("  record gen-anon-t {\n"));
  // a bitmask-like enum becomes flags, flag i being bit i
  EXPECT_THAT(w, HasSubstr("  flags gen-perm {\n    gen-perm-read,\n    gen-perm-write,\n    bit2,\n    gen-perm-exec,\n  }\n"));
  // other enums: cases in value order (clang 14 records no signedness: -1 is 4294967295)
  EXPECT_THAT(w, HasSubstr("  enum gen-color {\n    /// = 0\n    gen-red,\n    /// = 5\n    gen-green,\n"));
  EXPECT_THAT(w, HasSubstr("    gen-blue,\n  }\n"));
  // definitions come before their use
  EXPECT_LT(w.find("record gen-inner"), w.find("record gen-outer {"));
  int depth = 0;
  for (char c : w) {
    depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    ASSERT_GE(depth, 0);
  }
  EXPECT_EQ(depth, 0);
}

TEST(Wit, NamesCanBeChosen) {
  WitOptions o;
  o.world = "types";
  o.package = "example:types";
  o.types = {"gen_inner"};
  auto wit = wit_world(WB_GEN_TYPES_OBJECT, o);
  ASSERT_TRUE(wit) << wit.error().message;
  EXPECT_THAT(*wit, HasSubstr("package example:types;\n\nworld types {\n"));
  EXPECT_THAT(*wit, HasSubstr("record gen-inner {\n    c: s8,\n    l: s64,\n  }"));
  EXPECT_THAT(*wit, Not(HasSubstr("gen-outer")));
}

TEST(Wit, Btf2witWritesTheSameWorld) {
  const std::string out = testing::TempDir() + "/btf2wit-test.wit";
  const std::string cmd = std::string(WB_BTF2WIT) + " " + WB_GEN_TYPES_OBJECT + " -o " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto written = read_file(out);
  ASSERT_TRUE(written) << written.error().message;
  WitOptions o;
  o.source_name = "layout_types.o";
  auto expected = wit_world(WB_GEN_TYPES_OBJECT, o);
  ASSERT_TRUE(expected);
  EXPECT_EQ(std::string(written->begin(), written->end()), *expected);
  std::remove(out.c_str());
  EXPECT_NE(std::system((std::string(WB_BTF2WIT) + " --no-such-option 2>/dev/null").c_str()), 0);
}

// --- skeletons -----------------------------------------------------------------------------

TEST(Skeleton, DescribesMapsProgramsAndGlobalData) {
  auto bytes = read_file(WB_SDK_CHECK_OBJECT);
  ASSERT_TRUE(bytes) << bytes.error().message;
  auto elf = ElfSections::parse(*bytes);
  ASSERT_TRUE(elf) << elf.error().message;
  ASSERT_TRUE(elf->file_offset(".rodata"));
  SkeletonOptions o;
  o.name = object_name_from_path(WB_SDK_CHECK_OBJECT);
  EXPECT_EQ(o.name, "check_bpf");
  auto skel = skeleton_header(*bytes, o);
  ASSERT_TRUE(skel) << skel.error().message;
  const std::string& s = *skel;
  EXPECT_THAT(s, HasSubstr("struct check_bpf {\n"));
  EXPECT_THAT(s, HasSubstr("\t\tstruct bpf_map *values;\n"));
  EXPECT_THAT(s, HasSubstr("\t\tstruct bpf_map *rodata;\n"));
  EXPECT_THAT(s, HasSubstr("\t\tstruct bpf_program *on_getppid;\n"));
  EXPECT_THAT(s, HasSubstr("\t\tstruct bpf_link *on_getppid;\n"));
  EXPECT_THAT(s, HasSubstr("\tstruct check_bpf__rodata *rodata;\n"));
  EXPECT_THAT(s, HasSubstr("\tstruct check_bpf__data *data;\n"));
  EXPECT_THAT(s, HasSubstr("\tstruct check_bpf__bss *bss;\n"));
  // .rodata and .data are located in the embedded bytes; .bss has none
  EXPECT_THAT(s, HasSubstr("s->rodata_offset = " + std::to_string(*elf->file_offset(".rodata")) + ";"));
  EXPECT_THAT(s, HasSubstr("s->data_offset = " + std::to_string(*elf->file_offset(".data")) + ";"));
  EXPECT_THAT(s, HasSubstr("\tuint32_t ro_magic;\n"));
  // a global of a named struct type has that type, defined (guarded, as in gen header) first
  EXPECT_THAT(s, HasSubstr("\tstruct check_config ro_config;\n"));
  const size_t def = s.find("#ifndef WASM_BPF_DEFINED_struct_check_config\n#define WASM_BPF_DEFINED_struct_check_config\n"
                            "struct check_config {\n");
  ASSERT_NE(def, std::string::npos);
  EXPECT_LT(def, s.find("struct check_bpf__rodata {"));
  EXPECT_THAT(s, HasSubstr("WASM_BPF_STATIC_ASSERT(sizeof(struct check_bpf__rodata) == "));
  EXPECT_THAT(s, HasSubstr("\tuint64_t data_counter;\n"));
  EXPECT_THAT(s, HasSubstr(".autoattach = true;"));
  EXPECT_THAT(s, HasSubstr("static inline struct check_bpf *check_bpf__open_and_load(void)"));
  EXPECT_THAT(s, HasSubstr("static const unsigned char check_bpf__elf[" + std::to_string(bytes->size()) + "]"));
}

TEST(Skeleton, ProgramsThatNeedATargetAreNotAutoAttached) {
  auto bytes = read_file(WB_XDP_OBJECT);
  ASSERT_TRUE(bytes) << bytes.error().message;
  auto skel = skeleton_header(*bytes, {"xdp_bpf", "xdp.bpf.o"});
  ASSERT_TRUE(skel) << skel.error().message;
  EXPECT_THAT(*skel, HasSubstr("name = \"xdp_pass\"; /* SEC(\"xdp\") */"));
  EXPECT_THAT(*skel, HasSubstr(".autoattach = false;"));
  EXPECT_THAT(*skel, Not(HasSubstr(".autoattach = true;")));
}

TEST(Skeleton, RejectsWhatIsNotABpfObject) {
  const uint8_t junk[] = {1, 2, 3};
  auto skel = skeleton_header(junk, {"x", ""});
  ASSERT_FALSE(skel);
  EXPECT_EQ(skel.error().message, "not an ELF file");
  auto native = read_file("/bin/true");
  ASSERT_TRUE(native);
  auto not_bpf = skeleton_header(*native, {"true", ""});
  ASSERT_FALSE(not_bpf);
}

// --- vmlinux.h ------------------------------------------------------------------------------

std::string command_output(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  ::pclose(f);
  return out;
}

// What bpftool prints, apart from our first line (a comment naming the source) and the sizes
// of enums that are not 4 bytes: the libbpf wasm-bpf links writes them as
// `__attribute__((mode(byte)))` (the kernel's layout), bpftool 7.1's does not.
TEST(VmlinuxHeader, IsWhatBpftoolPrints) {
  const char* kernel_btf = "/sys/kernel/btf/vmlinux";
  if (::access(kernel_btf, R_OK) != 0) GTEST_SKIP() << "no readable " << kernel_btf;
  if (std::system("bpftool version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no bpftool";
  auto ours = vmlinux_header(kernel_btf);
  ASSERT_TRUE(ours) << ours.error().message;
  const std::string theirs = command_output(std::string("bpftool btf dump file ") + kernel_btf + " format c");
  ASSERT_GT(theirs.size(), 100000u);
  ASSERT_EQ(ours->rfind("/* Generated by `wasm-bpf gen vmlinux` from /sys/kernel/btf/vmlinux. Do not edit. */\n", 0), 0u);
  std::string normalized = ours->substr(ours->find('\n') + 1);
  for (const char* mode : {" __attribute__((mode(byte)))", " __attribute__((mode(HI)))", " __attribute__((mode(word)))"})
    for (size_t at; (at = normalized.find(mode)) != std::string::npos;) normalized.erase(at, std::strlen(mode));
  EXPECT_EQ(normalized.find("()"), std::string::npos) << "a prototype without (void)";
  if (normalized != theirs) {
    // the first differing line, rather than two 3 MB strings
    std::istringstream a(normalized), b(theirs);
    std::string la, lb;
    for (int line = 1; std::getline(a, la) && std::getline(b, lb); ++line)
      ASSERT_EQ(la, lb) << "line " << line;
    FAIL() << "one output is a prefix of the other (" << normalized.size() << " and " << theirs.size() << " bytes)";
  }
}

TEST(Names, ObjectNamesAreCIdentifiers) {
  EXPECT_EQ(object_name_from_path("dir/bootstrap.bpf.o"), "bootstrap_bpf");
  EXPECT_EQ(object_name_from_path("my-tool.o"), "my_tool");
  EXPECT_EQ(c_identifier("9lives"), "_9lives");
}

TEST(GuestBuild, FindsTheTypesAHeaderDefines) {
  const auto types = types_defined_in(
      "/* struct not_me { */\n"
      "struct event {\n int pid; };\n"
      "// union nor_me {\n"
      "union u{ int a; };\n"
      "enum kind { A };\n"
      "struct declared_only;\n"
      "typedef struct named_too { int x; } named_t;\n"
      "typedef struct event event_t;\n"
      "typedef enum kind\n  kind_t ;\n"
      "typedef struct event *event_ptr;\n");
  EXPECT_EQ(types, (std::vector<std::string>{"struct event", "union u", "enum kind", "struct named_too", "event_t",
                                             "kind_t"}));
}

TEST(GuestBuild, CarriesTheSdkHeaders) {
  ASSERT_EQ(sdk_headers().size(), 2u);
  EXPECT_EQ(sdk_headers()[0].name, "libbpf-wasm.h");
  EXPECT_THAT(std::string(sdk_headers()[0].text), HasSubstr("#ifndef LIBBPF_WASM_H"));
  EXPECT_THAT(std::string(sdk_headers()[0].text), HasSubstr("#include \"libbpf-wasm-uapi.h\""));
  EXPECT_EQ(sdk_headers()[1].name, "libbpf-wasm-uapi.h");
  EXPECT_THAT(std::string(sdk_headers()[1].text), HasSubstr("BPF_MAP_TYPE_RINGBUF = 27,"));
}

}  // namespace
}  // namespace wb::gen
