#pragma once
// The path of a file of tests/tls/data (certificates and keys); test_tls defines
// LARCH_TLS_TEST_DATA.
#include <string>

namespace larch::tls::testing {

inline std::string data(const std::string& name) {
  return std::string(LARCH_TLS_TEST_DATA) + "/" + name;
}

}  // namespace larch::tls::testing
