#include "util/histogram.h"

#include <catch2/catch.hpp>

using larch::util::Histogram;
using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST_CASE("histogram: cumulative buckets of 1 ms doubling to 8.192 s, then +Inf") {
  Histogram h;
  h.observe(microseconds(500));   // <= 0.001
  h.observe(milliseconds(1));     // <= 0.001 (a bound is inclusive)
  h.observe(microseconds(1500));  // <= 0.002
  h.observe(milliseconds(9000));  // above every bound
  std::string out;
  h.render(out, "x_seconds", "Help text.");
  CHECK(out.rfind("# HELP x_seconds Help text.\n# TYPE x_seconds histogram\n", 0) == 0);
  CHECK(out.find("x_seconds_bucket{le=\"0.001\"} 2\n") != std::string::npos);
  CHECK(out.find("x_seconds_bucket{le=\"0.002\"} 3\n") != std::string::npos);
  CHECK(out.find("x_seconds_bucket{le=\"0.004\"} 3\n") != std::string::npos);
  CHECK(out.find("x_seconds_bucket{le=\"8.192\"} 3\n") != std::string::npos);
  CHECK(out.find("x_seconds_bucket{le=\"+Inf\"} 4\n") != std::string::npos);
  CHECK(out.find("x_seconds_sum 9.003\n") != std::string::npos);
  CHECK(out.find("x_seconds_count 4\n") != std::string::npos);
  CHECK(h.count() == 4);
}

TEST_CASE("histogram: an empty one renders zeros") {
  Histogram h;
  std::string out;
  h.render(out, "y", "h");
  CHECK(out.find("y_bucket{le=\"+Inf\"} 0\n") != std::string::npos);
  CHECK(out.find("y_sum 0\ny_count 0\n") != std::string::npos);
}

TEST_CASE("histogram: other doubling bounds, and labelled samples") {
  Histogram h(microseconds(500), 13);  // etcd proxy's 0.5 ms to 2.048 s
  h.observe(microseconds(400));
  h.observe(milliseconds(3000));
  std::string out;
  h.render_samples(out, "p_seconds", "method=\"GET\"");
  CHECK(out.rfind("p_seconds_bucket{method=\"GET\",le=\"0.0005\"} 1\n", 0) == 0);
  CHECK(out.find("p_seconds_bucket{method=\"GET\",le=\"2.048\"} 1\n") != std::string::npos);
  CHECK(out.find("le=\"4.096\"") == std::string::npos);
  CHECK(out.find("p_seconds_bucket{method=\"GET\",le=\"+Inf\"} 2\n") != std::string::npos);
  CHECK(out.find("p_seconds_sum{method=\"GET\"} 3.0004\n") != std::string::npos);
  CHECK(out.find("p_seconds_count{method=\"GET\"} 2\n") != std::string::npos);
  CHECK(out.find("# HELP") == std::string::npos);
}
