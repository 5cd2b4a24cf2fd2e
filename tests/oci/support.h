// SPDX-License-Identifier: MIT
// Test support for the OCI suites: scratch directories, free ports, child processes (run to
// completion with captured output, or kept running like a registry), files, and a tiny
// one-request-per-connection HTTP server for the test's own token server, proxy and blob host.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wb::oci::test {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string slurp(const std::string& path);
void spit(const std::string& path, const std::string& data, unsigned mode = 0644);
bool exists(const std::string& path);
// Regular files under `dir`, recursively (paths relative to it).
std::vector<std::string> files_under(const std::string& dir);

int free_port();
// Connects to 127.0.0.1:port; -1 on failure.
int connect_local(int port);
bool wait_for_port(int port, int timeout_ms);

// Environment changes for a child: a value sets, nullopt removes.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

struct Outcome {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs `program` (looked up on PATH unless it has a '/') to completion.
Outcome run(const std::string& program, const std::vector<std::string>& args,
            const EnvChanges& env = {}, const std::string& input = "", int timeout_ms = 30000);

// A command running in the background, stdout and stderr collected in files under `dir`
// (stdin: `input`, then end of file). Killed with SIGKILL on destruction if still running.
class Background {
 public:
  Background(const std::string& program, const std::vector<std::string>& args,
             const EnvChanges& env, const std::string& dir, const std::string& input = "");
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int sig);
  bool running();
  // Waits for the exit (SIGKILL after `timeout_ms`) and returns the status and the output.
  Outcome wait(int timeout_ms = 30000);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string out_path_, err_path_;
};

// Runs `program` with stdin, stdout and stderr on a new pseudo-terminal (its controlling
// terminal). Each step waits until what the terminal showed since the previous step contains
// `expect`, then types `send`. Outcome::out is everything the terminal showed.
struct PtyStep {
  std::string expect;
  std::string send;
};
Outcome run_on_pty(const std::string& program, const std::vector<std::string>& args,
                   const EnvChanges& env, const std::vector<PtyStep>& steps,
                   int timeout_ms = 30000);

// Polls `condition` every 10 ms for up to `timeout_ms`; true once it holds.
bool eventually(const std::function<bool()>& condition, int timeout_ms = 20000);

// A long-running child (output to `log_path`); killed (SIGTERM, then SIGKILL) on destruction.
// It also dies with the test process.
class Child {
 public:
  Child(const std::string& program, const std::vector<std::string>& args,
        const std::string& log_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  void stop();
  bool running();

 private:
  pid_t pid_ = -1;
};

// --- a tiny HTTP server ----------------------------------------------------------------------

struct Request {
  std::string method;
  std::string target;                          // path?query
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string raw;  // the request as received
  std::string header(const std::string& name) const;
};

// Reads one request from `fd`; nullopt on EOF, garbage or a TLS handshake.
std::optional<Request> read_request(int fd);
bool write_all(int fd, const std::string& data);
std::string response(int status, const std::string& reason,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body);

// Listens on 127.0.0.1:<free port>; each connection is handed to `handler` on its own thread
// and closed afterwards.
class TcpServer {
 public:
  explicit TcpServer(std::function<void(int fd)> handler);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;
  int port() const { return port_; }

 private:
  void accept_loop();
  std::function<void(int)> handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
};

std::string query_param(const std::string& target, const std::string& name);
std::vector<std::string> query_params(const std::string& target, const std::string& name);

}  // namespace wb::oci::test
