// SPDX-License-Identifier: MIT
// Authentication and transport security against a real docker-registry: TLS with the test's
// own CA, htpasswd Basic auth with login/logout and every credential source, and Bearer
// tokens from the test's own token server.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "oci/encoding.h"

namespace wb::oci::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    tls = make_tls(dir.path());
    RegistryConfig c;
    c.tls = tls;
    registry = std::make_unique<Registry>(dir / "reg", c);
  }
  ScratchDir dir;
  Cli cli{dir.path()};
  TlsFiles tls;
  std::unique_ptr<Registry> registry;
};

TEST_F(Tls, VerifiesTheCertificateAgainstTheGivenCa) {
  const std::string ref = registry->host() + "/secure:v1";
  const Outcome untrusted = cli({"push", hello_path(), ref});
  EXPECT_EQ(untrusted.status, 1);
  EXPECT_THAT(untrusted.err, HasSubstr("not trusted"));
  EXPECT_THAT(untrusted.err, HasSubstr("--ca-file"));

  const Outcome push = cli({"push", "--ca-file", tls.ca, hello_path(), ref});
  ASSERT_EQ(push.status, 0) << push.err;
  const Outcome pull = cli({"pull", "--ca-file", tls.ca, "-o", dir / "s.wasm", ref});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "s.wasm"), hello_bytes());

  // A CA file that is not PEM is named as the problem (not "answered HTTP 400").
  spit(dir / "ca.der", std::string("\x30\x82\x01\x0a garbage", 13));
  const Outcome not_pem = cli({"pull", "--ca-file", dir / "ca.der", "-o", dir / "x.wasm", ref});
  EXPECT_EQ(not_pem.status, 1);
  EXPECT_THAT(not_pem.err, HasSubstr("the CA file " + (dir / "ca.der") + " (--ca-file or WASM_BPF_CA_FILE) holds no PEM certificate"));
  EXPECT_THAT(not_pem.err, ::testing::Not(HasSubstr("HTTP 400")));

  // run takes --ca-file, and WASM_BPF_CA_FILE.
  const Outcome run = cli({"run", "--ca-file", tls.ca, ref});
  EXPECT_EQ(run.status, 7) << run.err;
  Cli with_ca = cli;
  with_ca.env["WASM_BPF_CA_FILE"] = tls.ca;
  const Outcome run_env = with_ca({"run", "--pull", "always", ref});
  EXPECT_EQ(run_env.status, 7) << run_env.err;
  const Outcome run_insecure =
      cli({"run", "--pull", "always", "--insecure-registry", registry->host(), ref});
  EXPECT_EQ(run_insecure.status, 7) << run_insecure.err;

  const Outcome insecure =
      cli({"pull", "--insecure-registry", registry->host(), "-o", dir / "i.wasm", ref});
  ASSERT_EQ(insecure.status, 0) << insecure.err;
}

class BasicAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    RegistryConfig c;
    c.htpasswd = make_htpasswd(dir.path(), "alice", "wonderland");
    registry = std::make_unique<Registry>(dir / "reg", c);
    ref = registry->host() + "/private:v1";
  }
  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
  std::string ref;
};

TEST_F(BasicAuth, LoginPushPullLogout) {
  const Outcome anonymous = cli({"push", hello_path(), ref});
  EXPECT_EQ(anonymous.status, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("requires authentication"));
  EXPECT_THAT(anonymous.err, HasSubstr("wasm-bpf login " + registry->host()));

  const Outcome wrong =
      cli({"login", registry->host(), "-u", "alice", "--password-stdin"}, "not-the-password\n");
  EXPECT_EQ(wrong.status, 1);
  EXPECT_THAT(wrong.err, HasSubstr("invalid username or password"));
  EXPECT_FALSE(exists(dir / "docker/config.json"));

  const Outcome login =
      cli({"login", registry->host(), "-u", "alice", "--password-stdin"}, "wonderland\n");
  ASSERT_EQ(login.status, 0) << login.err;
  EXPECT_THAT(login.out, HasSubstr("Login Succeeded"));
  const json config = json::parse(slurp(dir / "docker/config.json"));
  EXPECT_EQ(config["auths"][registry->host()]["auth"], base64_encode("alice:wonderland"));

  ASSERT_EQ(cli({"push", hello_path(), ref}).status, 0);
  const Outcome pull = cli({"pull", "-o", dir / "p.wasm", ref});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "p.wasm"), hello_bytes());

  const Outcome logout = cli({"logout", registry->host()});
  ASSERT_EQ(logout.status, 0) << logout.err;
  EXPECT_THAT(logout.out, HasSubstr("Removed"));
  EXPECT_FALSE(json::parse(slurp(dir / "docker/config.json"))["auths"].contains(registry->host()));
  EXPECT_THAT(cli({"logout", registry->host()}).out, HasSubstr("Not logged in"));
  const Outcome after = cli({"pull", "-o", dir / "q.wasm", ref});
  EXPECT_EQ(after.status, 1);
  EXPECT_THAT(after.err, HasSubstr("requires authentication"));
}

TEST_F(BasicAuth, LoginAsksOnTheTerminal) {
  const Outcome login =
      run_on_pty(WB_CLI_BINARY, {"login", registry->host()}, cli.env,
                 {{"Username: ", "alice\n"}, {"Password: ", "wonderland\n"}});
  ASSERT_EQ(login.status, 0) << login.out;
  EXPECT_THAT(login.out, HasSubstr("Login Succeeded"));
  EXPECT_THAT(login.out, HasSubstr("alice"));          // the terminal echoed the name
  EXPECT_THAT(login.out, Not(HasSubstr("wonderland")));  // but not the password
  const json config = json::parse(slurp(dir / "docker/config.json"));
  EXPECT_EQ(config["auths"][registry->host()]["auth"], base64_encode("alice:wonderland"));

  // With -u only the password is asked for; a wrong one is refused.
  const Outcome wrong = run_on_pty(WB_CLI_BINARY, {"login", registry->host(), "-u", "alice"},
                                   cli.env, {{"Password: ", "guess\n"}});
  EXPECT_EQ(wrong.status, 1);
  EXPECT_THAT(wrong.out, Not(HasSubstr("Username:")));
  EXPECT_THAT(wrong.out, HasSubstr("invalid username or password"));
  EXPECT_THAT(wrong.out, Not(HasSubstr("guess")));
}

TEST_F(BasicAuth, LoginWithoutATerminalNeedsPasswordStdin) {
  const Outcome no_password = cli({"login", registry->host(), "-u", "alice"}, "wonderland\n");
  EXPECT_EQ(no_password.status, 2);
  EXPECT_THAT(no_password.err, HasSubstr("not a terminal"));
  EXPECT_THAT(no_password.err, HasSubstr("--password-stdin"));
  const Outcome no_user = cli({"login", registry->host()});
  EXPECT_EQ(no_user.status, 2);
  EXPECT_THAT(no_user.err, HasSubstr("-u USER"));
  const Outcome stdin_without_user =
      cli({"login", registry->host(), "--password-stdin"}, "wonderland\n");
  EXPECT_EQ(stdin_without_user.status, 2);
  EXPECT_THAT(stdin_without_user.err, HasSubstr("--password-stdin needs -u USER"));
  EXPECT_FALSE(exists(dir / "docker/config.json"));
}

TEST_F(BasicAuth, RunTakesCredentialsFromTheCommandLine) {
  ASSERT_EQ(cli({"push", "-u", "alice", "--password-stdin", hello_path(), ref}, "wonderland")
                .status,
            0);
  const Outcome anonymous = cli({"run", ref});
  EXPECT_EQ(anonymous.status, 125);
  EXPECT_THAT(anonymous.err, HasSubstr("requires authentication"));
  const Outcome run = cli({"run", "-u", "alice", "--password-stdin", ref}, "wonderland\n");
  EXPECT_EQ(run.status, 7) << run.err;
  EXPECT_EQ(run.out, "hello from oci\n");
}

TEST_F(BasicAuth, CredentialHelperOutputOfTheWrongTypeIsReported) {
  spit(dir / "bin/docker-credential-odd",
       "#!/bin/sh\nread server\necho '{\"Username\": null, \"Secret\": 5}'\n", 0755);
  spit(dir / "docker/config.json", json{{"credsStore", "odd"}}.dump());
  Cli helper = cli;
  helper.env["PATH"] = (dir / "bin") + ":" + std::string(std::getenv("PATH"));
  const Outcome pull = helper({"pull", ref});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("docker-credential-odd printed a 'Secret' that is not a string"));
  EXPECT_THAT(pull.err, Not(HasSubstr("type_error")));
}

TEST_F(BasicAuth, WrongStoredPasswordIsAClearError) {
  spit(dir / "docker/config.json",
       json{{"auths", {{registry->host(), {{"auth", base64_encode("alice:stale")}}}}}}.dump());
  const Outcome pull = cli({"pull", ref});
  EXPECT_EQ(pull.status, 1);
  EXPECT_THAT(pull.err, HasSubstr("invalid username or password"));
  EXPECT_THAT(pull.err, HasSubstr(registry->host()));
  EXPECT_THAT(pull.err, HasSubstr("config.json"));
}

TEST_F(BasicAuth, EveryCredentialSource) {
  // The command line.
  const Outcome push =
      cli({"push", "-u", "alice", "--password-stdin", hello_path(), ref}, "wonderland");
  ASSERT_EQ(push.status, 0) << push.err;

  // The environment.
  Cli env = cli;
  env.env["WASM_BPF_REGISTRY_USER"] = "alice";
  env.env["WASM_BPF_REGISTRY_PASSWORD"] = "wonderland";
  EXPECT_EQ(env({"pull", "-o", dir / "1.wasm", ref}).status, 0);
  env.env["WASM_BPF_REGISTRY"] = "elsewhere.example:5000";  // limited to another registry
  EXPECT_EQ(env({"pull", "-o", dir / "1b.wasm", ref}).status, 1);

  const std::string entry =
      json{{"auths", {{registry->host(), {{"auth", base64_encode("alice:wonderland")}}}}}}.dump();
  // REGISTRY_AUTH_FILE.
  spit(dir / "auth-file.json", entry);
  Cli auth_file = cli;
  auth_file.env["REGISTRY_AUTH_FILE"] = dir / "auth-file.json";
  EXPECT_EQ(auth_file({"pull", "-o", dir / "2.wasm", ref}).status, 0);

  // ${XDG_RUNTIME_DIR}/containers/auth.json
  spit(dir / "run/containers/auth.json", entry);
  Cli containers = cli;
  containers.env["XDG_RUNTIME_DIR"] = dir / "run";
  EXPECT_EQ(containers({"pull", "-o", dir / "3.wasm", ref}).status, 0);

  // ~/.docker/config.json when DOCKER_CONFIG is unset.
  spit(dir / "home/.docker/config.json", entry);
  Cli home = cli;
  home.env["DOCKER_CONFIG"] = std::nullopt;
  EXPECT_EQ(home({"pull", "-o", dir / "4.wasm", ref}).status, 0);
  EXPECT_EQ(slurp(dir / "4.wasm"), hello_bytes());
}

TEST_F(BasicAuth, CredentialHelpers) {
  // A docker-credential helper keeping its secrets in a file.
  const std::string secrets = dir / "helper-secrets";
  spit(dir / "bin/docker-credential-wbtest",
       "#!/bin/sh\n"
       "case \"$1\" in\n"
       "  get) read server; if [ -f '" +
           secrets + "' ]; then cat '" + secrets +
           "'; "
           "else echo 'credentials not found in native keychain'; exit 1; fi ;;\n"
           "  store) cat > '" +
           dir / "helper-stored" +
           "'; "
           "printf '{\"Username\":\"alice\",\"Secret\":\"wonderland\"}' > '" +
           secrets +
           "' ;;\n"
           "  erase) read server; rm -f '" +
           secrets +
           "' ;;\n"
           "esac\n",
       0755);
  Cli helper = cli;
  helper.env["PATH"] = (dir / "bin") + ":" + std::string(std::getenv("PATH"));

  // credHelpers for this registry: not logged in yet.
  spit(dir / "docker/config.json", json{{"credHelpers", {{registry->host(), "wbtest"}}}}.dump());
  EXPECT_EQ(helper({"pull", ref}).status, 1);
  const Outcome login =
      helper({"login", registry->host(), "-u", "alice", "--password-stdin"}, "wonderland");
  ASSERT_EQ(login.status, 0) << login.err;
  EXPECT_THAT(login.out, HasSubstr("docker-credential-wbtest"));
  const json stored = json::parse(slurp(dir / "helper-stored"));
  EXPECT_EQ(stored["ServerURL"], registry->host());
  EXPECT_EQ(stored["Username"], "alice");
  EXPECT_EQ(stored["Secret"], "wonderland");
  EXPECT_FALSE(json::parse(slurp(dir / "docker/config.json")).contains("auths"));

  ASSERT_EQ(helper({"push", hello_path(), ref}).status, 0);
  // credsStore applies to every registry.
  spit(dir / "docker/config.json", json{{"credsStore", "wbtest"}}.dump());
  EXPECT_EQ(helper({"pull", "-o", dir / "h.wasm", ref}).status, 0);
  EXPECT_EQ(helper({"logout", registry->host()}).status, 0);
  EXPECT_FALSE(exists(secrets));
  EXPECT_EQ(helper({"pull", "-o", dir / "h2.wasm", ref}).status, 1);
}

class TokenAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    const SignerFiles signer = make_signer(dir.path());
    tokens = std::make_unique<TokenServer>(signer, "wasm-bpf-test-issuer", "wasm-bpf-test-registry",
                                           "bob", "builder");
    RegistryConfig c;
    c.token = RegistryConfig::Token{tokens->realm(), "wasm-bpf-test-registry",
                                    "wasm-bpf-test-issuer", signer.cert};
    registry = std::make_unique<Registry>(dir / "reg", c);
    ref = registry->host() + "/team/tool:v1";
  }
  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<TokenServer> tokens;
  std::unique_ptr<Registry> registry;
  std::string ref;
};

TEST_F(TokenAuth, BearerTokensFromTheTokenServer) {
  const Outcome anonymous = cli({"push", hello_path(), ref});
  EXPECT_EQ(anonymous.status, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("requires authentication"));

  const Outcome wrong = cli({"login", registry->host(), "-u", "bob", "--password-stdin"}, "nope");
  EXPECT_EQ(wrong.status, 1);
  EXPECT_THAT(wrong.err, HasSubstr("invalid username or password"));

  const Outcome login =
      cli({"login", registry->host(), "-u", "bob", "--password-stdin"}, "builder\n");
  ASSERT_EQ(login.status, 0) << login.err;

  const int before = tokens->requests();
  const Outcome push = cli({"push", hello_path(), ref});
  ASSERT_EQ(push.status, 0) << push.err;
  // One token for repository:team/tool:pull,push serves the whole push.
  EXPECT_EQ(tokens->requests() - before, 1);

  const Outcome run = cli({"run", ref});
  EXPECT_EQ(run.status, 7) << run.err;
  EXPECT_EQ(run.out, "hello from oci\n");
  const Outcome inspect = cli({"inspect", ref});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  EXPECT_THAT(inspect.out, Not(HasSubstr("builder")));
}

TEST_F(TokenAuth, AnswersWithOnlyAnAccessTokenAreUsed) {
  tokens->set_answer(R"({"access_token": "{TOKEN}", "expires_in": 300})");
  ASSERT_EQ(cli({"login", registry->host(), "-u", "bob", "--password-stdin"}, "builder").status, 0);
  const Outcome push = cli({"push", hello_path(), ref});
  ASSERT_EQ(push.status, 0) << push.err;
  const Outcome run = cli({"run", ref});
  EXPECT_EQ(run.status, 7) << run.err;
}

TEST_F(TokenAuth, TokenAnswersOfTheWrongTypeAreClearErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"token": null})", "sent no token"},
      {R"({"token": 42})", "sent a token response whose 'token' is not a string"},
      {R"({"token": null, "access_token": ["x"]})", "whose 'access_token' is not a string"},
      {R"(["{TOKEN}"])", "not a JSON object"},
      {R"({"token": "{TOKEN}", "expires_in": "soon"})", ""},  // a bad lifetime is not fatal
      {R"({"token": "{TOKEN}", "expires_in": 1e300})", ""},
  };
  for (const auto& [answer, message] : cases) {
    tokens->set_answer(answer);
    const Outcome login =
        cli({"login", registry->host(), "-u", "bob", "--password-stdin"}, "builder");
    if (message.empty()) {
      EXPECT_EQ(login.status, 0) << answer << ": " << login.err;
      continue;
    }
    EXPECT_EQ(login.status, 1) << answer;
    EXPECT_THAT(login.err, HasSubstr(message)) << answer;
    EXPECT_THAT(login.err, HasSubstr(registry->host())) << answer;
    EXPECT_THAT(login.err, Not(HasSubstr("type_error"))) << answer;
  }
}

TEST_F(TokenAuth, AnIdentityTokenIsExchangedThroughARefreshTokenPost) {
  tokens->set_refresh_token("refresh-4711");
  spit(dir / "docker/config.json",
       json{{"auths", {{registry->host(), {{"identitytoken", "refresh-4711"}}}}}}.dump());
  const Outcome push = cli({"push", hello_path(), ref});
  ASSERT_EQ(push.status, 0) << push.err;
  const Outcome run = cli({"run", ref});
  EXPECT_EQ(run.status, 7) << run.err;

  bool saw_post = false;
  for (const Request& r : tokens->log()) {
    EXPECT_TRUE(r.header("authorization").empty()) << "the refresh token replaces Basic auth";
    if (r.method != "POST") continue;
    saw_post = true;
    const std::string form = "?" + r.body;
    EXPECT_EQ(query_param(form, "grant_type"), "refresh_token");
    EXPECT_EQ(query_param(form, "refresh_token"), "refresh-4711");
    EXPECT_EQ(query_param(form, "service"), "wasm-bpf-test-registry");
    EXPECT_THAT(query_param(form, "scope"), HasSubstr("repository:team/tool:pull"));
    EXPECT_EQ(r.header("content-type"), "application/x-www-form-urlencoded");
  }
  EXPECT_TRUE(saw_post);

  // A refresh token the server does not know is a clear error.
  tokens->set_refresh_token("another");
  const Outcome refused = cli({"pull", ref});
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("invalid username or password"));
}

}  // namespace
}  // namespace wb::oci::test
