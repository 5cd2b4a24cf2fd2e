// SPDX-License-Identifier: MIT
#include "wast_runner.h"

#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "spectest_host.h"
#include "wasm/engine.h"
#include "wast_values.h"

namespace wb::spectest {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// An instance a command can refer to, or why there is none.
struct ModuleSlot {
  wasm::Instance* instance = nullptr;
  std::string error;  // set when the module command that defined it failed
};

// The result of an invoke or get action.
struct ActionOutcome {
  enum class Status : uint8_t { Values, Trapped, Error, Unsupported };
  Status status = Status::Error;
  std::vector<wasm::Value> values;
  wasm::Trap trap;
  std::string error;  // Error / Unsupported: why the action could not be performed
};

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string trap_text(const wasm::Trap& t) {
  static constexpr const char* kKinds[] = {"trap", "exhaustion", "interrupted", "exit", "host"};
  auto k = static_cast<size_t>(t.kind);
  std::string kind = k < std::size(kKinds) ? kKinds[k] : "?";
  return kind + " \"" + t.message + "\"";
}

// The reference interpreter's trap messages that the engine's messages begin with.
constexpr std::string_view kSpecTrapTexts[] = {
    "unreachable",
    "integer divide by zero",
    "integer overflow",
    "invalid conversion to integer",
    "out of bounds memory access",
    "out of bounds table access",
    "undefined element",
    "uninitialized element",
    "indirect call type mismatch",
    "call stack exhausted",
};

// `s` is `prefix`, or `prefix` followed by a space and more (a detail).
bool is_word_prefix(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix) && (s.size() == prefix.size() || s[prefix.size()] == ' ');
}

wasm::StoreLimits limits_for(const RunOptions& options) {
  wasm::StoreLimits l;
  l.tier = options.tier;
  return l;
}

class WastRunner {
 public:
  WastRunner(fs::path dir, std::string name, const RunOptions& options, std::ostream& log,
             FileStats& stats)
      : dir_(std::move(dir)),
        name_(std::move(name)),
        options_(options),
        log_(log),
        stats_(stats),
        store_(limits_for(options)) {
    registry_["spectest"] = create_spectest_module(store_, options_.verbosity >= 2 ? &log_ : nullptr);
  }

  void run(const json& commands) {
    for (const json& c : commands) {
      stats_.line = c.value("line", 0u);
      const std::string type = c.value("type", std::string());
      try {
        dispatch(type, c);
      } catch (const std::exception& e) {
        fail(type, std::string("exception: ") + e.what());
      }
    }
  }

 private:
  void dispatch(const std::string& type, const json& c) {
    if (type == "module") return on_module(c);
    if (type == "register") return on_register(c);
    if (type == "action") return on_action(c);
    if (type == "assert_return") return on_assert_return(c);
    if (type == "assert_trap" || type == "assert_exhaustion") return on_assert_trap(type, c);
    if (type == "assert_invalid" || type == "assert_malformed") return on_assert_invalid(type, c);
    if (type == "assert_unlinkable" || type == "assert_uninstantiable") {
      return on_assert_instantiation_fails(type, c);
    }
    skip(type, "unknown command type");
  }

  // --- Counting and reporting -------------------------------------------------------------

  void pass() { ++stats_.passed; }

  void fail(const std::string& command, const std::string& reason) {
    ++stats_.failed;
    if (options_.verbosity >= 1) {
      log_ << "  " << name_ << ":" << stats_.line << ": " << command << ": " << reason << std::endl;
    }
  }

  void skip(const std::string& command, const std::string& reason) {
    ++stats_.skipped;
    if (options_.verbosity >= 2) {
      log_ << "  " << name_ << ":" << stats_.line << ": " << command << ": skipped: " << reason
           << std::endl;
    }
  }

  void note(const std::string& command, const std::string& text) {
    if (options_.verbosity >= 2) {
      log_ << "  " << name_ << ":" << stats_.line << ": " << command << ": note: " << text
           << std::endl;
    }
  }

  // --- Modules ----------------------------------------------------------------------------

  Result<std::shared_ptr<const wasm::Module>> load(const json& c) {
    const std::string filename = c.value("filename", std::string());
    if (filename.empty()) return make_error("command has no filename");
    std::ifstream in(dir_ / filename, std::ios::binary);
    if (!in) return make_error("cannot read " + filename);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return wasm::Module::load(bytes);
  }

  // Imports for `module`: every import whose module name is registered and exports the name.
  // Unresolved imports are left out; the engine reports them as "unknown import".
  wasm::Imports imports_for(const wasm::Module& module) const {
    wasm::Imports imports;
    for (const wasm::Import& imp : module.imports) {
      auto m = registry_.find(imp.module);
      if (m == registry_.end()) continue;
      auto e = m->second.find(imp.name);
      if (e != m->second.end()) imports.add(imp.module, imp.name, e->second);
    }
    return imports;
  }

  void on_module(const json& c) {
    ModuleSlot slot;
    auto mod = load(c);
    if (!mod) {
      slot.error = "module failed to load: " + mod.error().message;
    } else {
      auto inst = store_.instantiate(mod.value(), imports_for(*mod.value()));
      if (inst) {
        slot.instance = inst.value();
      } else {
        slot.error = "module failed to instantiate: " + inst.error().message;
      }
    }
    if (slot.error.empty()) {
      pass();
    } else {
      fail("module", slot.error);
    }
    current_ = slot;
    if (c.contains("name")) named_[c.at("name").get<std::string>()] = slot;
  }

  // The instance a command names (or the latest module), or why it is unusable.
  Expected<wasm::Instance*, std::string> resolve(const json& holder, const char* key) const {
    const ModuleSlot* slot = &current_;
    std::string label = "the current module";
    if (holder.contains(key)) {
      label = holder.at(key).get<std::string>();
      auto it = named_.find(label);
      if (it == named_.end()) return "unknown module " + label;
      slot = &it->second;
    }
    if (slot->instance != nullptr) return slot->instance;
    if (!slot->error.empty()) return label + " is unusable (" + slot->error + ")";
    return std::string("no module has been instantiated");
  }

  void on_register(const json& c) {
    auto inst = resolve(c, "name");
    if (!inst) return fail("register", inst.error());
    registry_[c.at("as").get<std::string>()] = exports_of(*inst.value());
  }

  // --- Actions ----------------------------------------------------------------------------

  static std::string describe_action(const json& a) {
    std::string out = a.value("type", std::string("?")) + " ";
    if (a.contains("module")) out += a.at("module").get<std::string>() + ".";
    out += "\"" + a.value("field", std::string()) + "\"";
    if (a.value("type", std::string()) == "invoke") {
      out += "(";
      bool first = true;
      for (const json& arg : a.value("args", json::array())) {
        if (!first) out += ", ";
        first = false;
        auto v = parse_argument(arg);
        out += v ? describe(v.value()) : arg.dump();
      }
      out += ")";
    }
    return out;
  }

  ActionOutcome perform(const json& a) {
    ActionOutcome out;
    auto inst = resolve(a, "module");
    if (!inst) {
      out.error = inst.error();
      return out;
    }
    const std::string field = a.value("field", std::string());
    const std::string type = a.value("type", std::string());

    if (type == "get") {
      wasm::Global* g = inst.value()->global(field);
      if (g == nullptr) {
        out.error = "no exported global \"" + field + "\"";
        return out;
      }
      out.status = ActionOutcome::Status::Values;
      out.values.push_back(g->get());
      return out;
    }
    if (type != "invoke") {
      out.status = ActionOutcome::Status::Unsupported;
      out.error = "unknown action type '" + type + "'";
      return out;
    }

    std::vector<wasm::Value> args;
    for (const json& arg : a.value("args", json::array())) {
      auto v = parse_argument(arg);
      if (!v) {
        out.status = v.error().unsupported ? ActionOutcome::Status::Unsupported
                                           : ActionOutcome::Status::Error;
        out.error = v.error().message;
        return out;
      }
      args.push_back(v.value());
    }
    wasm::Function* f = inst.value()->function(field);
    if (f == nullptr) {
      out.error = "no exported function \"" + field + "\"";
      return out;
    }
    auto result = store_.call(f, args);
    if (result) {
      out.status = ActionOutcome::Status::Values;
      out.values = std::move(result.value());
    } else {
      out.status = ActionOutcome::Status::Trapped;
      out.trap = result.error();
    }
    return out;
  }

  void on_action(const json& c) {
    const json& a = c.at("action");
    ActionOutcome r = perform(a);
    switch (r.status) {
      case ActionOutcome::Status::Values:
        return pass();
      case ActionOutcome::Status::Trapped:
        return fail("action", describe_action(a) + ": unexpected " + trap_text(r.trap));
      case ActionOutcome::Status::Unsupported:
        return skip("action", describe_action(a) + ": " + r.error);
      case ActionOutcome::Status::Error:
        return fail("action", describe_action(a) + ": " + r.error);
    }
  }

  void on_assert_return(const json& c) {
    static const std::string kCmd = "assert_return";
    const json& a = c.at("action");
    std::vector<ExpectedValue> expected;
    for (const json& e : c.value("expected", json::array())) {
      auto v = parse_expected(e);
      if (!v) {
        if (v.error().unsupported) return skip(kCmd, v.error().message);
        return fail(kCmd, "bad expected value: " + v.error().message);
      }
      expected.push_back(v.value());
    }
    ActionOutcome r = perform(a);
    const std::string what = describe_action(a);
    switch (r.status) {
      case ActionOutcome::Status::Unsupported:
        return skip(kCmd, what + ": " + r.error);
      case ActionOutcome::Status::Error:
        return fail(kCmd, what + ": " + r.error);
      case ActionOutcome::Status::Trapped:
        return fail(kCmd, what + ": expected " + describe(std::span<const ExpectedValue>(expected)) +
                              ", got " + trap_text(r.trap));
      case ActionOutcome::Status::Values:
        break;
    }
    bool ok = r.values.size() == expected.size();
    for (size_t i = 0; ok && i < expected.size(); ++i) ok = matches(expected[i], r.values[i]);
    if (ok) return pass();
    fail(kCmd, what + ": expected " + describe(std::span<const ExpectedValue>(expected)) +
                   ", got " + describe(std::span<const wasm::Value>(r.values)));
  }

  // assert_trap wants a trap (TrapKind::Trap) and assert_exhaustion a call stack exhaustion,
  // each with a message that matches the script's text (see trap_message_matches).
  void on_assert_trap(const std::string& cmd, const json& c) {
    const json& a = c.at("action");
    const std::string text = c.value("text", std::string());
    ActionOutcome r = perform(a);
    const std::string what = describe_action(a);
    switch (r.status) {
      case ActionOutcome::Status::Unsupported:
        return skip(cmd, what + ": " + r.error);
      case ActionOutcome::Status::Error:
        return fail(cmd, what + ": " + r.error);
      case ActionOutcome::Status::Values:
        return fail(cmd, what + ": expected trap \"" + text + "\", got " +
                             describe(std::span<const wasm::Value>(r.values)));
      case ActionOutcome::Status::Trapped:
        break;
    }
    const bool want_exhaustion = cmd == "assert_exhaustion";
    const wasm::TrapKind want = want_exhaustion ? wasm::TrapKind::Exhaustion : wasm::TrapKind::Trap;
    if (r.trap.kind != want) {
      return fail(cmd, what + ": expected " + (want_exhaustion ? "exhaustion" : "trap") + " \"" + text +
                           "\", got " + trap_text(r.trap));
    }
    if (!trap_message_matches(text, r.trap.message)) {
      return fail(cmd, what + ": expected trap \"" + text + "\", got " + trap_text(r.trap));
    }
    pass();
  }

  // assert_invalid and assert_malformed: loading the binary must fail.
  void on_assert_invalid(const std::string& cmd, const json& c) {
    const std::string text = c.value("text", std::string());
    if (c.value("module_type", std::string("binary")) != "binary") {
      return skip(cmd, "text module (\"" + text + "\")");
    }
    auto mod = load(c);
    if (mod) return fail(cmd, "module loaded, but expected error \"" + text + "\"");
    pass();
    if (mod.error().message.find(text) == std::string::npos) {
      note(cmd, "error message differs: expected \"" + text + "\", got \"" + mod.error().message + "\"");
    }
  }

  // assert_unlinkable: a valid module whose imports do not link. assert_uninstantiable: a
  // valid, linkable module that traps while initialising (segments or start function).
  void on_assert_instantiation_fails(const std::string& cmd, const json& c) {
    const std::string text = c.value("text", std::string());
    if (c.value("module_type", std::string("binary")) != "binary") {
      return skip(cmd, "text module (\"" + text + "\")");
    }
    auto mod = load(c);
    if (!mod) {
      return fail(cmd, "module failed to load (expected \"" + text + "\" at instantiation): " +
                           mod.error().message);
    }
    auto inst = store_.instantiate(mod.value(), imports_for(*mod.value()));
    if (inst) return fail(cmd, "module instantiated, but expected error \"" + text + "\"");
    const std::string& message = inst.error().message;
    const bool link_error =
        starts_with(message, "unknown import") || starts_with(message, "incompatible import type");
    if (cmd == "assert_uninstantiable" && link_error) {
      return fail(cmd, "expected a trap \"" + text + "\" during instantiation, got link error \"" +
                           message + "\"");
    }
    pass();
    if (message.find(text) == std::string::npos) {
      note(cmd, "error message differs: expected \"" + text + "\", got \"" + message + "\"");
    }
  }

  fs::path dir_;
  std::string name_;
  RunOptions options_;
  std::ostream& log_;
  FileStats& stats_;

  wasm::Store store_;
  std::map<std::string, ExportMap, std::less<>> registry_;  // importable modules by name
  std::map<std::string, ModuleSlot, std::less<>> named_;    // "$M" -> instance
  ModuleSlot current_;
};

Expected<json, std::string> read_json(const fs::path& json_file) {
  std::ifstream in(json_file);
  if (!in) return unexpected("cannot read " + json_file.string());
  try {
    return json::parse(in);
  } catch (const std::exception& e) {
    return unexpected("bad JSON in " + json_file.string() + ": " + e.what());
  }
}

}  // namespace

bool trap_message_matches(std::string_view expected, std::string_view actual) {
  for (std::string_view spec : kSpecTrapTexts) {
    if (is_word_prefix(actual, spec)) return spec.starts_with(expected) || is_word_prefix(expected, spec);
  }
  return false;
}

void run_wast_json(const fs::path& json_file, const std::string& display_name,
                   const RunOptions& options, std::ostream& log, FileStats& stats) {
  auto doc = read_json(json_file);
  if (!doc || !doc.value().contains("commands")) {
    ++stats.failed;
    log << "  " << display_name << ": " << (doc ? "no commands in JSON" : doc.error()) << std::endl;
    return;
  }
  WastRunner runner(json_file.parent_path(), display_name, options, log, stats);
  runner.run(doc.value().at("commands"));
}

void skip_wast_json(const fs::path& json_file, FileStats& stats) {
  auto doc = read_json(json_file);
  if (!doc || !doc.value().contains("commands")) return;
  for (const json& c : doc.value().at("commands")) {
    if (c.value("type", std::string()) != "register") ++stats.skipped;
  }
}

}  // namespace wb::spectest
