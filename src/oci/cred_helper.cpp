// SPDX-License-Identifier: MIT
#include "oci/cred_helper.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/interrupt.h"
#include "oci/json_fields.h"
#include "oci/reference.h"

extern char** environ;

namespace wb::oci {
namespace {

struct HelperRun {
  int status = -1;
  std::string out;
  std::string err;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

Result<HelperRun> run_helper(const std::string& helper, const std::string& action,
                             const std::string& input) {
  const std::string program = "docker-credential-" + helper;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) return make_error("pipe: " + std::string(std::strerror(errno)));
  if (pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return make_error("pipe: " + std::string(std::strerror(errno)));
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return make_error("pipe: " + std::string(std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>(action.c_str()),
                          nullptr};
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  int to_child = in[1], from_out = out[0], from_err = err[0];
  if (rc != 0) {
    close_fd(to_child);
    close_fd(from_out);
    close_fd(from_err);
    return make_error("cannot run credential helper " + program + ": " + std::strerror(rc));
  }
  // The input is a few hundred bytes at most: it fits in the pipe buffer.
  // A helper that exits without reading must not kill us with SIGPIPE: block it while
  // writing and discard one that became pending.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  const bool write_failed = !input.empty() && ::write(to_child, input.data(), input.size()) < 0;
  if (write_failed && errno == EPIPE) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  close_fd(to_child);

  HelperRun run;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (from_out >= 0 || from_err >= 0) {
    pollfd fds[2] = {{from_out, POLLIN, 0}, {from_err, POLLIN, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || interrupted()) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? from_out : from_err;
      if (fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? run.out : run.err).append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close_fd(fd);
      }
    }
  }
  close_fd(from_out);
  close_fd(from_err);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  run.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return run;
}

std::string first_line(const std::string& text) {
  std::string s = text.substr(0, text.find('\n'));
  return s.empty() ? "no message" : s;
}

}  // namespace

std::string helper_server_url(const std::string& registry) {
  return registry == kDockerHub ? "https://index.docker.io/v1/" : registry;
}

Result<std::optional<AuthEntry>> helper_get(const std::string& helper,
                                            const std::string& registry) {
  auto run = run_helper(helper, "get", helper_server_url(registry));
  if (!run) return run.error();
  if (run->status != 0) {
    const std::string msg = run->out + run->err;
    if (msg.find("not found") != std::string::npos) return std::optional<AuthEntry>();
    return make_error("credential helper docker-credential-" + helper +
                      " failed: " + first_line(msg));
  }
  const nlohmann::json j = nlohmann::json::parse(run->out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error("credential helper docker-credential-" + helper + " printed no JSON object");
  }
  const StringMember user_field = string_member(j, "Username");
  const StringMember secret_field = string_member(j, "Secret");
  for (const auto& [name, field] : {std::pair{"Username", &user_field}, {"Secret", &secret_field}}) {
    if (field->wrong_type()) {
      return make_error("credential helper docker-credential-" + helper + " printed a '" + name +
                        "' that is not a string");
    }
  }
  AuthEntry e;
  const std::string user = user_field.value.value_or("");
  const std::string secret = secret_field.value.value_or("");
  if (user == "<token>") {
    e.identity_token = secret;
  } else {
    e.username = user;
    e.password = secret;
  }
  if (e.username.empty() && e.password.empty() && e.identity_token.empty()) {
    return std::optional<AuthEntry>();
  }
  return std::optional<AuthEntry>(std::move(e));
}

Result<void> helper_store(const std::string& helper, const std::string& registry,
                          const std::string& username, const std::string& secret) {
  const nlohmann::json j = {
      {"ServerURL", helper_server_url(registry)}, {"Username", username}, {"Secret", secret}};
  auto run = run_helper(helper, "store", j.dump());
  if (!run) return run.error();
  if (run->status != 0) {
    return make_error("credential helper docker-credential-" + helper +
                      " could not store the credentials: " + first_line(run->out + run->err));
  }
  return {};
}

Result<bool> helper_erase(const std::string& helper, const std::string& registry) {
  auto run = run_helper(helper, "erase", helper_server_url(registry));
  if (!run) return run.error();
  if (run->status != 0) {
    const std::string msg = run->out + run->err;
    if (msg.find("not found") != std::string::npos) return false;
    return make_error("credential helper docker-credential-" + helper +
                      " failed: " + first_line(msg));
  }
  return true;
}

}  // namespace wb::oci
