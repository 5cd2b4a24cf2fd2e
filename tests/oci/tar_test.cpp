// SPDX-License-Identifier: MIT
// tar reading (ustar, GNU long names, pax, archives made by GNU tar) and writing; gzip.
#include <gtest/gtest.h>

#include <zlib.h>

#include "oci/gzip.h"
#include "oci/tar.h"
#include "support.h"

namespace wb::oci {
namespace {

std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string content(const std::string& archive, const TarEntry& e) {
  return archive.substr(e.offset, e.size);
}

TEST(Tar, WriterOutputParsesBack) {
  TarWriter w;
  w.add_directory("blobs");
  w.add_file("blobs/a.txt", "hello");
  w.add_file("empty", "");
  const std::string big(1500, 'x');
  const std::string prefixed =
      std::string(60, 'd') + "/" + std::string(60, 'n');  // ustar prefix field
  w.add_file(prefixed, big);
  const std::string very_long = std::string(200, 'v') + ".wasm";  // a pax header
  w.add_file(very_long, "pax");
  const std::string archive = w.finish();
  EXPECT_EQ(archive.size() % 512, 0u);
  auto entries = parse_tar(archive);
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 5u);
  EXPECT_EQ((*entries)[0].path, "blobs/");
  EXPECT_EQ((*entries)[0].type, '5');
  EXPECT_EQ((*entries)[1].path, "blobs/a.txt");
  EXPECT_EQ(content(archive, (*entries)[1]), "hello");
  EXPECT_EQ((*entries)[2].size, 0u);
  EXPECT_EQ((*entries)[3].path, prefixed);
  EXPECT_EQ(content(archive, (*entries)[3]), big);
  EXPECT_EQ((*entries)[4].path, very_long);
  EXPECT_EQ(content(archive, (*entries)[4]), "pax");
  // GNU tar agrees.
  test::ScratchDir dir;
  test::spit(dir / "w.tar", archive);
  const auto listing = test::run("tar", {"-tf", dir / "w.tar"});
  ASSERT_EQ(listing.status, 0) << listing.err;
  EXPECT_NE(listing.out.find(prefixed + "\n"), std::string::npos) << listing.out;
  EXPECT_NE(listing.out.find(very_long + "\n"), std::string::npos) << listing.out;
}

TEST(Tar, ReadsWhatGnuTarWrites) {
  test::ScratchDir dir;
  const std::string long_name = std::string(150, 'l') + ".wasm";
  test::spit(dir / "root/app/hello.wasm", std::string("\0asm\1\0\0\0", 8));
  test::spit(dir / ("root/" + long_name), "long");
  for (const std::string format : {"gnu", "pax", "ustar"}) {
    // ustar cannot store a 155-character file name; it gets only the app directory.
    const bool ustar = format == "ustar";
    const std::string out = dir / (format + ".tar");
    const auto r = test::run(
        "tar", {"--format=" + format, "-C", dir / "root", "-cf", out, ustar ? "./app" : "."});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string archive = test::slurp(out);
    auto entries = parse_tar(archive);
    ASSERT_TRUE(entries) << format << ": " << entries.error().message;
    bool found_hello = false, found_long = false;
    for (const TarEntry& e : *entries) {
      const auto path = normalize_tar_path(e.path);
      if (path == "app/hello.wasm") {
        found_hello = true;
        EXPECT_EQ(content(archive, e), std::string("\0asm\1\0\0\0", 8));
      }
      if (path == long_name) {
        found_long = true;
        EXPECT_EQ(content(archive, e), "long");
      }
    }
    EXPECT_TRUE(found_hello) << format;
    EXPECT_EQ(found_long, !ustar) << format;
  }
}

TEST(Tar, RejectsDamage) {
  TarWriter w;
  w.add_file("a", std::string(1000, 'a'));
  std::string archive = w.finish();
  std::string truncated = archive.substr(0, 700);
  auto t = parse_tar(truncated);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("truncated"), std::string::npos);
  archive[10] ^= 1;  // breaks the header checksum
  auto c = parse_tar(archive);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("checksum"), std::string::npos);
  EXPECT_FALSE(parse_tar(std::string(512, 'z')));
  auto empty = parse_tar(std::string(1024, '\0'));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Tar, NormalizesPaths) {
  EXPECT_EQ(normalize_tar_path("./app//x.wasm"), "app/x.wasm");
  EXPECT_EQ(normalize_tar_path("/app/./x.wasm"), "app/x.wasm");
  EXPECT_EQ(normalize_tar_path("a/b/../c"), "a/c");
  EXPECT_EQ(normalize_tar_path("dir/"), "dir");
  EXPECT_FALSE(normalize_tar_path("../etc/passwd"));
  EXPECT_FALSE(normalize_tar_path("a/../../b"));
}

TEST(Gzip, InflatesOneOrSeveralMembers) {
  const std::string a(10000, 'a');
  auto one = gunzip(gzip(a), 1 << 20);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, a);
  auto two = gunzip(gzip("first ") + gzip("second"), 1 << 20);
  ASSERT_TRUE(two);
  EXPECT_EQ(*two, "first second");
  auto limited = gunzip(gzip(a), 100);
  ASSERT_FALSE(limited);
  std::string broken = gzip(a);
  broken.resize(broken.size() / 2);
  EXPECT_FALSE(gunzip(broken, 1 << 20));
  EXPECT_FALSE(gunzip("not gzip at all", 1 << 20));
}

}  // namespace
}  // namespace wb::oci
