#include "config/env_file.h"

#include <cctype>
#include <vector>

#include "config/value_parsers.h"

namespace larch::config {
namespace {

std::vector<std::string> significant_lines(std::string_view text, std::vector<size_t>* numbers) {
  std::vector<std::string> lines;
  size_t start = 0, number = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    ++number;
    auto line = trim(text.substr(start, nl - start));
    if (!line.empty() && line[0] != '#') {
      lines.push_back(std::move(line));
      if (numbers) numbers->push_back(number);
    }
    start = nl + 1;
  }
  return lines;
}

std::string_view strip_export(std::string_view line) {
  constexpr std::string_view kExport = "export";
  if (line.substr(0, kExport.size()) == kExport && line.size() > kExport.size() &&
      (line[kExport.size()] == ' ' || line[kExport.size()] == '\t')) {
    line.remove_prefix(kExport.size());
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  }
  return line;
}

bool is_var_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// Unquotes a value: "..." (with \" \\ \$ \` escapes), '...' (literal) or bare text.
// Anything after the closing quote other than a " #comment" is an error.
ParseResult<std::string> unquote(std::string_view v) {
  using R = ParseResult<std::string>;
  if (v.empty() || (v[0] != '"' && v[0] != '\'')) return R::success(trim(v));
  char quote = v[0];
  std::string out;
  size_t i = 1;
  for (; i < v.size() && v[i] != quote; ++i) {
    if (quote == '"' && v[i] == '\\' && i + 1 < v.size() &&
        std::string_view("\"\\$`").find(v[i + 1]) != std::string_view::npos) {
      ++i;
    }
    out += v[i];
  }
  if (i >= v.size()) return R::failure("unterminated quoted value");
  auto rest = trim(v.substr(i + 1));
  if (!rest.empty() && rest[0] != '#') return R::failure("unexpected text after quoted value");
  return R::success(std::move(out));
}

}  // namespace

bool looks_like_env_file(std::string_view text) {
  auto lines = significant_lines(text, nullptr);
  if (lines.empty()) return false;
  std::string_view first = strip_export(lines.front());
  auto eq = first.find('=');
  if (eq == std::string_view::npos || first.substr(0, 5) != "ETCD_" || eq == 5) return false;
  for (char c : first.substr(5, eq - 5)) {
    if (!std::isupper(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

ParseResult<std::map<std::string, std::string>> parse_env_file(std::string_view text) {
  using R = ParseResult<std::map<std::string, std::string>>;
  std::vector<size_t> numbers;
  auto lines = significant_lines(text, &numbers);
  std::map<std::string, std::string> vars;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto where = "line " + std::to_string(numbers[i]) + ": ";
    std::string_view line = strip_export(lines[i]);
    auto eq = line.find('=');
    if (eq == std::string_view::npos || !is_var_name(line.substr(0, eq))) {
      return R::failure(where + "expected NAME=value");
    }
    auto value = unquote(line.substr(eq + 1));
    if (!value.ok()) return R::failure(where + value.error);
    vars[std::string(line.substr(0, eq))] = std::move(*value.value);
  }
  return R::success(std::move(vars));
}

}  // namespace larch::config
