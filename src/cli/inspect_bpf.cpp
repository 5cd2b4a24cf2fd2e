// SPDX-License-Identifier: MIT
#include "cli/inspect_bpf.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "bpf/embedded_objects.h"
#include "oci/progress.h"
#include "wasm/module.h"

namespace wb::cli {

using nlohmann::ordered_json;

Result<ordered_json> describe_module_bpf(std::span<const uint8_t> wasm) {
  auto objects = bpf::describe_embedded_objects(wasm, bpf::Policy{});
  if (!objects) return objects.error();
  ordered_json out = ordered_json::array();
  for (const bpf::ObjectDescription& d : *objects) {
    ordered_json o;
    o["size"] = d.size;
    if (!d.problem.empty()) {
      o["problem"] = d.problem;
      out.push_back(o);
      continue;
    }
    o["arch"] = d.facts.arch.empty() ? ordered_json() : ordered_json(d.facts.arch);
    o["license"] = d.facts.license.empty() ? ordered_json() : ordered_json(d.facts.license);
    ordered_json programs = ordered_json::array();
    for (const bpf::ProgramFacts& p : d.facts.programs) {
      programs.push_back({{"name", p.name}, {"section", p.section}, {"type", bpf::program_type_name(p.type)}});
    }
    o["programs"] = programs;
    ordered_json code = ordered_json::array();
    for (const bpf::SectionCalls& c : d.facts.calls) {
      ordered_json helpers = ordered_json::array();
      for (int32_t id : c.helpers) helpers.push_back(bpf::helper_name(id));
      ordered_json s = {{"section", c.section}, {"helpers", helpers}};
      if (c.kfunc_calls != 0) s["kfuncCalls"] = c.kfunc_calls;
      code.push_back(s);
    }
    o["code"] = code;
    ordered_json maps = ordered_json::array();
    uint64_t memory = 0;
    for (const bpf::MapFacts& m : d.facts.maps) {
      maps.push_back({{"name", m.name},
                      {"type", bpf::map_type_name(m.type)},
                      {"keySize", m.key_size},
                      {"valueSize", m.value_size},
                      {"maxEntries", m.max_entries},
                      {"memory", m.memory}});
      memory += m.memory;
    }
    o["maps"] = maps;
    o["mapMemory"] = memory;
    ordered_json refused = ordered_json::array();
    std::set<std::string> flags;
    for (const bpf::Refusal& r : d.refused) {
      refused.push_back({{"what", r.what}, {"allowWith", r.allow}});
      flags.insert(r.allow);
    }
    // What `run` refuses with no --allow flags, and the flags that let it through.
    o["policy"] = {{"refusedByDefault", refused}, {"runWith", ordered_json(flags)}};
    out.push_back(o);
  }
  return out;
}

Result<ordered_json> describe_module_imports(std::span<const uint8_t> wasm) {
  auto mod = wasm::Module::load(wasm);
  if (!mod) return mod.error();
  ordered_json out = ordered_json::array();
  for (const wasm::Import& i : mod.value()->imports) {
    const char* kind = i.kind == wasm::ExternKind::Func     ? "func"
                       : i.kind == wasm::ExternKind::Table  ? "table"
                       : i.kind == wasm::ExternKind::Memory ? "memory"
                                                            : "global";
    out.push_back({{"module", i.module}, {"name", i.name}, {"kind", kind}});
  }
  return out;
}

namespace {

std::string str(const ordered_json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Rows of cells, each column as wide as its widest cell, two spaces apart.
void table(std::ostream& out, const std::string& indent, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  for (const auto& r : rows) {
    std::string line = indent;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

// "a, b, c" wrapped at about 90 columns, continuation lines indented.
void wrapped(std::ostream& out, const std::string& first, const std::string& indent, const std::vector<std::string>& items) {
  std::string line = first;
  bool start = true;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (!start && line.size() + 1 + item.size() > 92) {
      out << line << '\n';
      line = indent;
      start = true;
    }
    line += (start ? "" : " ") + item;
    start = false;
  }
  out << line << '\n';
}

}  // namespace

void print_inspect_text(const ordered_json& info, std::ostream& out) {
  std::vector<std::vector<std::string>> head;
  if (info.contains("reference")) {
    head.push_back({"Reference", str(info, "reference")});
    head.push_back({"Digest", str(info, "digest")});
    head.push_back({"From", str(info, "source")});
    head.push_back({"Media type", str(info, "mediaType")});
    if (info.contains("pulled")) head.push_back({"Pulled", str(info, "pulled")});
    const ordered_json& config = info.value("config", ordered_json());
    if (config.is_object() && config.contains("os"))
      head.push_back({"Platform", str(config, "os") + "/" + str(config, "architecture")});
    if (const auto& m = info.value("module", ordered_json()); m.is_object()) {
      head.push_back({"Module", str(m, "digest") + (m.contains("size") ? " (" + oci::format_bytes(m["size"].get<uint64_t>()) + ")" : "")});
    }
    if (const auto& a = info.value("annotations", ordered_json()); a.is_object())
      for (const auto& [k, v] : a.items()) head.push_back({"Annotation", k + "=" + (v.is_string() ? v.get<std::string>() : v.dump())});
  } else {
    head.push_back({"Module", str(info, "path")});
    head.push_back({"Size", oci::format_bytes(info.value("size", uint64_t{0}))});
    head.push_back({"Digest", str(info, "digest")});
  }
  table(out, "", head);

  if (const auto& imports = info.value("imports", ordered_json()); imports.is_array()) {
    std::map<std::string, std::vector<std::string>> by_module;
    for (const auto& i : imports) {
      std::string name = str(i, "name");
      if (str(i, "kind") != "func") name += " (" + str(i, "kind") + ")";
      by_module[str(i, "module")].push_back(name);
    }
    out << "\nImports (" << imports.size() << ")\n";
    for (const auto& [module, names] : by_module) wrapped(out, "  " + module + ": ", "    ", names);
  }

  const auto& objects = info.value("bpf", ordered_json());
  if (info.contains("bpfProblem")) out << "\nBPF objects: cannot be read: " << str(info, "bpfProblem") << '\n';
  if (!objects.is_array()) return;
  if (objects.empty()) out << "\nBPF objects: none embedded\n";
  size_t n = 0;
  for (const auto& o : objects) {
    out << "\nBPF object " << ++n << " of " << objects.size() << " (" << oci::format_bytes(o.value("size", uint64_t{0})) << ")\n";
    if (o.contains("problem")) {
      out << "  cannot be read: " << str(o, "problem") << '\n';
      continue;
    }
    table(out, "  ", {{"License", o["license"].is_null() ? "(none: the kernel refuses GPL-only helpers)" : str(o, "license")},
                      {"Architecture", o["arch"].is_null() ? "any (reads no CPU registers)" : str(o, "arch")}});
    std::vector<std::vector<std::string>> progs{{"PROGRAM", "TYPE", "ATTACH POINT (SECTION)"}};
    for (const auto& p : o["programs"]) progs.push_back({str(p, "name"), str(p, "type"), str(p, "section")});
    out << "  Programs\n";
    table(out, "    ", progs);
    if (!o["maps"].empty()) {
      std::vector<std::vector<std::string>> maps{{"MAP", "TYPE", "KEY", "VALUE", "ENTRIES", "MEMORY"}};
      for (const auto& m : o["maps"])
        maps.push_back({str(m, "name"), str(m, "type"), str(m, "keySize"), str(m, "valueSize"), str(m, "maxEntries"),
                        oci::format_bytes(m.value("memory", uint64_t{0}))});
      out << "  Maps (kernel memory " << oci::format_bytes(o.value("mapMemory", uint64_t{0})) << ")\n";
      table(out, "    ", maps);
    }
    out << "  Helpers called\n";
    for (const auto& c : o["code"]) {
      std::vector<std::string> helpers;
      for (const auto& h : c["helpers"]) helpers.push_back(h.get<std::string>());
      if (c.contains("kfuncCalls")) helpers.push_back(str(c, "kfuncCalls") + " kernel function call(s)");
      if (helpers.empty()) helpers.push_back("(none)");
      wrapped(out, "    " + str(c, "section") + ": ", "      ", helpers);
    }
    const auto& policy = o["policy"];
    if (policy["refusedByDefault"].empty()) {
      out << "  Policy: runs with no --allow flag\n";
    } else {
      out << "  Policy: refused unless allowed\n";
      for (const auto& r : policy["refusedByDefault"]) out << "    " << str(r, "what") << " (" << str(r, "allowWith") << ")\n";
      std::vector<std::string> flags;
      for (const auto& f : policy["runWith"]) flags.push_back(f.get<std::string>());
      std::string joined;
      for (const auto& f : flags) joined += (joined.empty() ? "" : " ") + f;
      out << "    run it with: " << joined << '\n';
    }
  }
}

}  // namespace wb::cli
