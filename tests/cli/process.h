// Runs a program the way a user's shell would and captures what it prints.
#pragma once

#include <string>
#include <vector>

namespace wb::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number if the process was killed by a signal
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs `program` with `args` (argv[1..]), stdin from /dev/null, and waits for it to exit; a
// process still running after `timeout_ms` is killed and reported as timed out.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          int timeout_ms = 20000);

}  // namespace wb::test
