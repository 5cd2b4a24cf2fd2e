// SPDX-License-Identifier: MIT
#include "oci/curl_api.h"

#include <dlfcn.h>

#include <mutex>

namespace wb::oci {
namespace {

struct Loaded {
  CurlApi api{};
  bool ok = false;
  std::string error;
};

template <class F>
bool bind(void* lib, const char* name, F& slot, std::string& error) {
  void* sym = dlsym(lib, name);
  if (sym == nullptr) {
    error = std::string("libcurl.so.4 lacks ") + name;
    return false;
  }
  slot = reinterpret_cast<F>(sym);
  return true;
}

Loaded load() {
  Loaded l;
  void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    l.error =
        std::string("cannot load libcurl (libcurl.so.4): ") + (why != nullptr ? why : "not found");
    return l;
  }
  CurlApi& a = l.api;
  std::string& e = l.error;
  l.ok = bind(lib, "curl_global_init", a.global_init, e) &&
         bind(lib, "curl_easy_init", a.easy_init, e) &&
         bind(lib, "curl_easy_cleanup", a.easy_cleanup, e) &&
         bind(lib, "curl_easy_reset", a.easy_reset, e) &&
         bind(lib, "curl_easy_setopt", a.easy_setopt, e) &&
         bind(lib, "curl_easy_perform", a.easy_perform, e) &&
         bind(lib, "curl_easy_getinfo", a.easy_getinfo, e) &&
         bind(lib, "curl_easy_strerror", a.easy_strerror, e) &&
         bind(lib, "curl_slist_append", a.slist_append, e) &&
         bind(lib, "curl_slist_free_all", a.slist_free_all, e) && bind(lib, "curl_url", a.url, e) &&
         bind(lib, "curl_url_set", a.url_set, e) && bind(lib, "curl_url_get", a.url_get, e) &&
         bind(lib, "curl_url_cleanup", a.url_cleanup, e) && bind(lib, "curl_free", a.free, e);
  if (l.ok && a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    l.ok = false;
    l.error = "libcurl failed to initialise";
  }
  // The library stays loaded for the life of the process.
  return l;
}

}  // namespace

const CurlApi* curl_api(std::string* error) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (!loaded.ok) {
    if (error != nullptr) *error = loaded.error;
    return nullptr;
  }
  return &loaded.api;
}

}  // namespace wb::oci
