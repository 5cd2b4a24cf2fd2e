#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

inline std::vector<uint8_t> read_test_module(const std::string& name) {
  std::ifstream in(std::string(WB_TEST_MODULE_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
