// SPDX-License-Identifier: MIT
#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace wb::test {
namespace {

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    if (read >= 0) close(read);
    if (write >= 0) close(write);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(rc));
}

}  // namespace

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          int timeout_ms) {
  Pipe out, err;
  posix_spawn_file_actions_t actions;
  check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write, 2);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  check(rc, ("posix_spawn " + program).c_str());
  close(out.write);
  out.write = -1;
  close(err.write);
  err.write = -1;

  ProcessResult result;
  std::array<pollfd, 2> fds{{{out.read, POLLIN, 0}, {err.read, POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    const int n = poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;  // EOF (the Pipe destructor closes it)
        --open_fds;
      }
    }
  }

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

// ---- Process -------------------------------------------------------------------------------

namespace {

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

std::vector<std::string> make_env(const SpawnOptions& options) {
  std::vector<std::string> env;
  if (!options.clear_env) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  }
  for (const std::string& kv : options.env) {
    const std::string key = kv.substr(0, kv.find('=')) + "=";
    env.erase(std::remove_if(env.begin(), env.end(),
                             [&](const std::string& e) { return e.rfind(key, 0) == 0; }),
              env.end());
    env.push_back(kv);
  }
  return env;
}

int ms_until(Process::Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Process::Clock::now());
  return static_cast<int>(std::max<long long>(left.count(), 0));
}

}  // namespace

std::unique_ptr<Process> Process::start(const std::string& program,
                                        const std::vector<std::string>& args,
                                        const SpawnOptions& options) {
  // Writing to the stdin of a child that has exited must not kill the test.
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<Process> p(new Process());
  Pipe out, err;
  std::optional<Pipe> in;
  posix_spawn_file_actions_t actions;
  check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
  if (options.stdin_mode == SpawnOptions::Stdin::null) {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  } else {
    in.emplace();
    posix_spawn_file_actions_adddup2(&actions, in->read, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write, 2);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env = make_env(options);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  // The child starts with default signal dispositions (this process ignores SIGPIPE) and
  // nothing blocked.
  posix_spawnattr_t attr;
  check(posix_spawnattr_init(&attr), "posix_spawnattr_init");
  sigset_t defaults, none;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP}) sigaddset(&defaults, sig);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  const int rc = posix_spawn(&p->pid_, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  check(rc, ("posix_spawn " + program).c_str());

  std::swap(p->out_fd_, out.read);
  std::swap(p->err_fd_, err.read);
  if (in) {
    std::swap(p->in_fd_, in->write);
    if (options.stdin_mode == SpawnOptions::Stdin::data) {
      p->write_stdin(options.stdin_data);
      p->close_stdin();
    }
  }
  return p;
}

Process::~Process() {
  close_fd(in_fd_);
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(out_fd_);
  close_fd(err_fd_);
}

bool Process::pump(int wait_ms) {
  std::array<pollfd, 2> fds{{{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}}};
  std::array<int*, 2> owners{&out_fd_, &err_fd_};
  std::array<std::string*, 2> sinks{&result_.out, &result_.err};
  if (out_fd_ < 0 && err_fd_ < 0) return false;
  const int n = poll(fds.data(), fds.size(), wait_ms);
  if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
  if (n <= 0) return true;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    char buf[4096];
    const ssize_t got = read(fds[i].fd, buf, sizeof buf);
    if (got > 0) {
      sinks[i]->append(buf, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      close_fd(*owners[i]);  // EOF
    }
  }
  return out_fd_ >= 0 || err_fd_ >= 0;
}

bool Process::try_reap() {
  if (reaped_) return true;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return false;
  reaped_ = true;
  exit_time_ = Clock::now();
  if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    result_.exit_code = 128 + WTERMSIG(status);
    result_.term_signal = WTERMSIG(status);
  }
  return true;
}

bool Process::wait_for_output(std::string_view needle, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (result_.out.find(needle) != std::string::npos) return true;
    const int left = ms_until(deadline);
    if (left <= 0) return false;
    if (out_fd_ < 0 && err_fd_ < 0) return false;  // nothing more can arrive
    pump(std::min(left, 50));
  }
}

Process::Clock::time_point Process::send_signal(int sig) {
  const auto now = Clock::now();
  if (!reaped_) kill(pid_, sig);
  return now;
}

void Process::write_stdin(std::string_view data) {
  while (!data.empty() && in_fd_ >= 0) {
    const ssize_t n = write(in_fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // the child closed its stdin (EPIPE)
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Process::close_stdin() { close_fd(in_fd_); }

ProcessResult Process::wait(int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  // Poll in short slices so that the exit is seen within a few milliseconds even when the
  // pipes stay open.
  while (!try_reap()) {
    const int left = ms_until(deadline);
    if (left <= 0) {
      kill(pid_, SIGKILL);
      result_.timed_out = true;
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
      exit_time_ = Clock::now();
      result_.exit_code = 128 + SIGKILL;
      result_.term_signal = SIGKILL;
      break;
    }
    if (out_fd_ >= 0 || err_fd_ >= 0) {
      pump(std::min(left, 2));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  // Drain what is left (bounded, in case a grandchild still holds the pipes).
  const auto drain_deadline = Clock::now() + std::chrono::seconds(2);
  while ((out_fd_ >= 0 || err_fd_ >= 0) && ms_until(drain_deadline) > 0) {
    pump(ms_until(drain_deadline));
  }
  close_stdin();
  return result_;
}

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const SpawnOptions& options, int timeout_ms) {
  auto p = Process::start(program, args, options);
  return p->wait(timeout_ms);
}

}  // namespace wb::test
