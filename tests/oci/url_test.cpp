// SPDX-License-Identifier: MIT
// The URL helpers the HTTP client decides redirects with, and size values from the environment.
#include <gtest/gtest.h>

#include "oci/client_options.h"
#include "oci/http.h"

namespace wb::oci {
namespace {

TEST(Url, SchemeAndAuthority) {
  EXPECT_EQ(url_scheme("HTTPS://ghcr.io/v2/"), "https");
  EXPECT_EQ(url_scheme("file:///etc/passwd"), "file");
  EXPECT_EQ(url_scheme("file:/etc/passwd"), "file");
  EXPECT_EQ(url_scheme("dict://127.0.0.1:6379/info"), "dict");
  EXPECT_EQ(url_scheme("/v2/x/blobs/uploads/1"), "");
  EXPECT_EQ(url_scheme("1http://x"), "");
  EXPECT_EQ(url_authority("https://user:pw@ghcr.io:8443/v2/?a=b"), "ghcr.io:8443");
  EXPECT_EQ(url_authority("http://[::1]:5000/v2/"), "[::1]:5000");
  EXPECT_EQ(url_authority("http://example.com?x"), "example.com");
  EXPECT_EQ(url_authority("no-scheme"), "");
}

TEST(Url, InsecureHostsMatchHostAndPort) {
  const std::vector<std::string> hosts = {"reg.test:5000", "plain.test", "[::1]:8080",
                                          "tls.test:443"};
  EXPECT_TRUE(host_listed(hosts, "reg.test:5000", "http"));
  EXPECT_TRUE(host_listed(hosts, "REG.test:5000", "https"));
  EXPECT_FALSE(host_listed(hosts, "reg.test:5001", "http"));
  EXPECT_FALSE(host_listed(hosts, "reg.test", "https"));
  // An entry without a port: the scheme's default port.
  EXPECT_TRUE(host_listed(hosts, "plain.test", "http"));
  EXPECT_TRUE(host_listed(hosts, "plain.test:80", "http"));
  EXPECT_TRUE(host_listed(hosts, "plain.test:443", "https"));
  EXPECT_FALSE(host_listed(hosts, "plain.test:8080", "http"));
  EXPECT_TRUE(host_listed(hosts, "tls.test", "https"));
  EXPECT_TRUE(host_listed(hosts, "[::1]:8080", "http"));
  EXPECT_FALSE(host_listed(hosts, "[::1]", "http"));
  EXPECT_FALSE(host_listed(hosts, "evil.test", "http"));
}

TEST(ByteSize, ParsesBinaryUnits) {
  EXPECT_EQ(parse_byte_size("1073741824"), 1ull << 30);
  EXPECT_EQ(parse_byte_size("1GiB"), 1ull << 30);
  EXPECT_EQ(parse_byte_size("2g"), 2ull << 30);
  EXPECT_EQ(parse_byte_size("500M"), 500ull << 20);
  EXPECT_EQ(parse_byte_size("64 KB"), 64ull << 10);
  EXPECT_EQ(parse_byte_size("1T"), 1ull << 40);
  EXPECT_EQ(parse_byte_size("100b"), 100u);
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("lots"));
  EXPECT_FALSE(parse_byte_size("-1"));
  EXPECT_FALSE(parse_byte_size("1.5G"));
  EXPECT_FALSE(parse_byte_size("1P"));
  EXPECT_FALSE(parse_byte_size("99999999999999999999"));
  EXPECT_FALSE(parse_byte_size("17179869184G"));  // 2^34 GiB overflows
}

}  // namespace
}  // namespace wb::oci
