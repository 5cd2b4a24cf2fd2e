// SPDX-License-Identifier: MIT
// What the OCI library tells its user while it works: transfers as they progress, steps, and
// warnings. The library never writes to the terminal itself: the command line gives it a
// reporter that draws on stderr (src/cli/terminal_reporter.h), an embedder may give its own,
// and without one nothing is reported. Called from the thread doing the work.
#pragma once

#include <cstdint>
#include <string>

namespace wb::oci {

class Reporter {
 public:
  virtual ~Reporter();
  // A blob transfer named `label` (the start of its digest) of `total` bytes (0: unknown)
  // starts, has moved `done` bytes, and ends.
  virtual void transfer_started(const std::string& label, std::uint64_t total);
  virtual void transfer_progress(const std::string& label, std::uint64_t done);
  virtual void transfer_finished(const std::string& label, std::uint64_t done);
  // A step worth a line ("Pulling localhost:5000/tool:v1").
  virtual void status(const std::string& line);
  // Something the user should know that did not stop the work ("ignoring auth.json: ...").
  virtual void warning(const std::string& line);
};

// The reporter of `options`, or one that reports nothing.
struct ClientOptions;
Reporter& reporter_of(const ClientOptions& options);

}  // namespace wb::oci
