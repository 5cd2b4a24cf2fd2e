// SPDX-License-Identifier: MIT
// libcurl, loaded with dlopen on first use. Linking it would load its ~30 dependent libraries
// (GnuTLS, Kerberos, LDAP, ...) and run their constructors in every wasm-bpf process, about
// 3.5 ms before main() even for `run FILE`; only commands that reach a registry pay for it.
#pragma once

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include <string>

namespace wb::oci {

struct CurlApi {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  CURLU* (*url)();
  CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned int);
  CURLUcode (*url_get)(const CURLU*, CURLUPart, char**, unsigned int);
  void (*url_cleanup)(CURLU*);
  void (*free)(void*);
};

// libcurl.so.4, initialised (curl_global_init) once; nullptr if it cannot be loaded, with the
// reason in *error.
const CurlApi* curl_api(std::string* error = nullptr);

}  // namespace wb::oci
