// SPDX-License-Identifier: MIT
#include "oci/gzip.h"

#include <zlib.h>

namespace wb::oci {

Result<std::string> gzip(std::string_view data) {
  if (data.size() > 0xffffffffu) return make_error("the data to compress is larger than 4 GiB");
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    return make_error("cannot initialise zlib");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return make_error("gzip compression failed");
  return out;
}

Result<std::string> gunzip(std::string_view data, std::uint64_t max_output) {
  if (data.size() > 0xffffffffu) return make_error("the gzip data is larger than 4 GiB");
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK)
    return make_error("cannot initialise zlib");  // gzip or zlib
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  char buf[65536];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_output) {
      inflateEnd(&z);
      return make_error("the layer decompresses to more than " + std::to_string(max_output) +
                        " bytes");
    }
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // another gzip member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      inflateEnd(&z);
      return make_error("the gzip data is truncated");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const std::string msg = z.msg != nullptr ? z.msg : "invalid data";
      inflateEnd(&z);
      return make_error("the gzip data is corrupt: " + msg);
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace wb::oci
