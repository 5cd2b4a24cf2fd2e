// SPDX-License-Identifier: MIT
// Executes the commands of one wast2json JSON file against the engine.
//
// Counting follows wabt's spectest-interp, so totals compare with its figures: every command
// except `register` is one test that passes, fails or is skipped (a `module` passes when it
// loads and instantiates, an `action` when it returns without trapping). A failed `register`
// adds a failure. Text-format modules (assert_malformed with module_type "text") and v128
// values are skipped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

#include "wasm/engine.h"

namespace wb::spectest {

// Plain counters: the runner updates them in place after each command, so a supervising
// process sharing this memory can tell how far a crashed run got.
struct FileStats {
  uint32_t passed = 0;
  uint32_t failed = 0;
  uint32_t skipped = 0;
  uint32_t line = 0;  // script line of the command being run
};

struct RunOptions {
  // 0: no details; 1: every failure with its line, command and reason; 2: also error-message
  // mismatches of passing assert_invalid/malformed/unlinkable/uninstantiable and the output
  // of spectest.print*.
  int verbosity = 0;
  // The engine tier the scripts run under.
  wasm::Tier tier = wasm::Tier::Compiler;
};

// Whether the engine's trap message `actual` satisfies a script's expected text. The
// reference interpreter passes when its own message starts with the text; its messages
// sometimes add details the engine does not give ("uninitialized element 2"), and the
// engine's may add a parenthesised detail ("call stack exhausted (too many nested host
// calls)"). So: `actual` must begin with one of the spec's trap texts, and the expected text
// must be a prefix of that text or that text followed by a detail.
bool trap_message_matches(std::string_view expected, std::string_view actual);

// Runs all commands of `json_file` (the .wasm files it names are looked up beside it), with
// a fresh Store. `display_name` prefixes the detail lines written to `log`.
void run_wast_json(const std::filesystem::path& json_file, const std::string& display_name,
                   const RunOptions& options, std::ostream& log, FileStats& stats);

// Counts the tests of `json_file` as skipped, without running anything (SIMD scripts).
void skip_wast_json(const std::filesystem::path& json_file, FileStats& stats);

}  // namespace wb::spectest
