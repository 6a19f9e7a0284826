#pragma once
// The two lines that open a metric family in Prometheus' text format:
// "# HELP <name> <help>" and "# TYPE <name> <type>" (type: counter, gauge, histogram).
#include <string>
#include <string_view>

namespace larch::util {

void append_metric_header(std::string& out, std::string_view name, std::string_view help,
                          std::string_view type);

}  // namespace larch::util
