// LogOutputs: stderr pointed at --log-outputs for the object's life, then restored.
#include "server/log_outputs.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../temp_dir.h"

using larch::server::LogOutputs;
using larch::testing::TempDir;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void say(const std::string& text) {
  std::string line = text + "\n";
  REQUIRE(::write(STDERR_FILENO, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
}

}  // namespace

TEST_CASE("log outputs: one file receives stderr, appended, until destroyed", "[log_outputs]") {
  TempDir dir;
  auto file = dir.path() / "member.log";
  std::ofstream(file) << "kept\n";
  {
    auto opened = LogOutputs::open({file.string()});
    INFO(opened.error);
    REQUIRE(opened.outputs);
    say("to the file");
  }
  say("log outputs test: back on stderr (expected in the test output)");
  CHECK(slurp(file) == "kept\nto the file\n");
}

TEST_CASE("log outputs: several files each receive every line", "[log_outputs]") {
  TempDir dir;
  auto a = dir.path() / "a.log";
  auto b = dir.path() / "b.log";
  {
    auto opened = LogOutputs::open({a.string(), b.string()});
    REQUIRE(opened.outputs);
    for (int i = 0; i < 100; ++i) say("line " + std::to_string(i));
  }  // drained before the destructor returns
  std::string want;
  for (int i = 0; i < 100; ++i) want += "line " + std::to_string(i) + "\n";
  CHECK(slurp(a) == want);
  CHECK(slurp(b) == want);
}

TEST_CASE("log outputs: stderr alone changes nothing; a bad path is etcd's error",
          "[log_outputs]") {
  auto plain = LogOutputs::open({"default"});
  CHECK(plain.outputs);
  auto bad = LogOutputs::open({"stderr", "/nonexistent/dir/x.log"});
  CHECK_FALSE(bad.outputs);
  CHECK(bad.error ==
        "open sink \"/nonexistent/dir/x.log\": open /nonexistent/dir/x.log: no such file or "
        "directory");
}
