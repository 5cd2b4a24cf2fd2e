// SPDX-License-Identifier: MIT
// The `wasm_bpf` contract is written once, in docs/abi.md; this test reads its tables and
// checks that everything else that declares the interface agrees with them: the functions the
// host defines (src/bpf), the imports of modules built with the C SDK (sdk/c) and with the
// test guests' declarations (tests/bpf/guests/wasm_bpf_imports.h), the TinyGo-style
// callback-wrapper import, and the Rust SDK's extern block (sdk/rust/src/sys.rs). Needs no
// privileges: nothing is loaded into the kernel.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "bpf/bpf_host.h"
#include "wasm/engine.h"
#include "wasm/module.h"

namespace {

using namespace wb;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// "(i64, i32) -> i32"
std::string type_text(const wasm::FuncType& t) {
  auto list = [](const std::vector<wasm::ValType>& v) {
    std::string out;
    for (wasm::ValType x : v) out += (out.empty() ? "" : ", ") + std::string(wasm::to_string(x));
    return out;
  };
  return "(" + list(t.params) + ") -> " + (t.results.empty() ? "()" : list(t.results));
}

// module -> function -> type, from the tables of docs/abi.md.
using Contract = std::map<std::string, std::map<std::string, std::string>>;

Contract contract() {
  Contract c;
  std::istringstream in(slurp(std::string(WB_SOURCE_DIR) + "/docs/abi.md"));
  std::string module;
  const std::regex heading("^## Functions of import module `([a-z_-]+)`");
  const std::regex row("^\\| `([a-z_]+)` \\| `(\\([a-z0-9, ]*\\) -> [a-z0-9()]+)` \\|");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, heading)) module = m[1];
    else if (line.starts_with("## Callbacks")) module = "callback-wrapper";
    else if (line.starts_with("## ")) module.clear();
    else if (!module.empty() && std::regex_search(line, m, row)) c[module][m[1]] = m[2];
  }
  return c;
}

TEST(AbiAgreement, TheContractDocumentListsTheFunctions) {
  const Contract c = contract();
  ASSERT_EQ(c.count("wasm_bpf"), 1u) << "docs/abi.md has no table for module wasm_bpf";
  EXPECT_EQ(c.at("wasm_bpf").size(), 7u);
  EXPECT_EQ(c.at("wasm_bpf").at("wasm_load_bpf_object"), "(i32, i32) -> i64");
  ASSERT_EQ(c.count("callback-wrapper"), 1u);
  EXPECT_EQ(c.at("callback-wrapper").size(), 1u);
}

TEST(AbiAgreement, TheHostDefinesEveryFunctionWithItsType) {
  wasm::Store store;
  wasm::Imports imports;
  bpf::BpfHost host(bpf::BpfHostOptions{});
  host.define(store, imports);
  for (const auto& [module, functions] : contract()) {
    for (const auto& [name, type] : functions) {
      const wasm::Extern* e = imports.find(module, name);
      ASSERT_NE(e, nullptr) << "the host does not define " << module << "." << name;
      const auto* f = std::get_if<wasm::Function*>(e);
      ASSERT_NE(f, nullptr) << module << "." << name << " is not a function";
      EXPECT_EQ(type_text((*f)->type()), type) << module << "." << name;
    }
  }
}

// The imports of `module_path` from `import_module`: name -> type.
std::map<std::string, std::string> imports_of(const std::string& module_path, const std::string& import_module) {
  const std::string bytes = slurp(module_path);
  auto mod = wasm::Module::load({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  EXPECT_TRUE(mod) << module_path << ": " << (mod ? "" : mod.error().message);
  std::map<std::string, std::string> out;
  if (!mod) return out;
  for (const wasm::Import& i : mod.value()->imports)
    if (i.module == import_module && i.kind == wasm::ExternKind::Func)
      out[i.name] = type_text(mod.value()->types.at(i.type_index));
  return out;
}

TEST(AbiAgreement, ModulesBuiltWithTheCSdkAndTheTestDeclarationsImportExactlyTheContract) {
  const auto expected = contract().at("wasm_bpf");
  for (const char* guest : {"abi_imports_sdk", "abi_imports_tests"}) {
    const std::string path = std::string(WB_BPF_GUEST_DIR) + "/" + guest + ".wasm";
    EXPECT_EQ(imports_of(path, "wasm_bpf"), expected) << guest;
  }
  // TinyGo's shape: the poll through callback-wrapper.
  EXPECT_EQ(imports_of(std::string(WB_BPF_GUEST_DIR) + "/go_style.wasm", "callback-wrapper"),
            contract().at("callback-wrapper"));
}

TEST(AbiAgreement, TheRustSdkDeclaresTheContract) {
  // The extern block of sys.rs for wasm32: `pub fn NAME(arg: TYPE, ...) -> TYPE;`.
  const std::string sys = slurp(std::string(WB_SOURCE_DIR) + "/sdk/rust/src/sys.rs");
  const size_t start = sys.find("#[link(wasm_import_module = \"wasm_bpf\")]");
  ASSERT_NE(start, std::string::npos);
  const std::string block = sys.substr(start, sys.find("\n}\n", start) - start);
  std::map<std::string, std::string> declared;
  const std::regex fn("pub fn ([a-z_]+)\\(([^)]*)\\)(?: -> ([a-z0-9]+))?;");
  const std::map<std::string, std::string> wasm_of{{"u32", "i32"}, {"i32", "i32"}, {"usize", "i32"},
                                                   {"u64", "i64"}, {"i64", "i64"}};
  for (std::sregex_iterator it(block.begin(), block.end(), fn), e; it != e; ++it) {
    std::string params;
    const std::string args = (*it)[2];
    const std::regex arg(":\\s*([a-z0-9]+)");
    for (std::sregex_iterator a(args.begin(), args.end(), arg), ae; a != ae; ++a) {
      ASSERT_EQ(wasm_of.count((*a)[1]), 1u) << "unexpected Rust type " << (*a)[1];
      params += (params.empty() ? "" : ", ") + wasm_of.at((*a)[1]);
    }
    const std::string result = (*it)[3].matched ? wasm_of.at((*it)[3]) : "()";
    declared[(*it)[1]] = "(" + params + ") -> " + result;
  }
  EXPECT_EQ(declared, contract().at("wasm_bpf"));
}

}  // namespace
