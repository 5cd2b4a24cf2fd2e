// SPDX-License-Identifier: MIT
#pragma once

#include <time.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

inline std::vector<uint8_t> read_test_module(const std::string& name) {
  std::ifstream in(std::string(WB_TEST_MODULE_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// CPU time of this thread spent in `fn`, in seconds: unlike wall time, it does not grow when
// other processes load the machine.
template <class F>
double cpu_seconds(F&& fn) {
  timespec a{}, b{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  fn();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
}
