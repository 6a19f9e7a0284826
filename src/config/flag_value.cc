#include "config/flag_value.h"

#include "config/value_parsers.h"

namespace larch::config {
namespace {

template <class T>
ParseResult<FlagValue> widen(ParseResult<T> r) {
  if (!r.ok()) return ParseResult<FlagValue>::failure(std::move(r.error));
  return ParseResult<FlagValue>::success(FlagValue(std::move(*r.value)));
}

bool is_choice(std::string_view raw, std::string_view choices) {
  while (!choices.empty()) {
    auto bar = choices.find('|');
    if (choices.substr(0, bar) == raw) return true;
    if (bar == std::string_view::npos) break;
    choices.remove_prefix(bar + 1);
  }
  return false;
}

}  // namespace

ParseResult<FlagValue> parse_flag_value(FlagKind kind, std::string_view raw,
                                        std::string_view choices) {
  using R = ParseResult<FlagValue>;
  switch (kind) {
    case FlagKind::kString:
      return R::success(std::string(raw));
    case FlagKind::kChoice:
      if (!is_choice(raw, choices)) return R::failure("invalid value");
      return R::success(std::string(raw));
    case FlagKind::kBool:
      return widen(parse_go_bool(raw));
    case FlagKind::kUint:
      return widen(parse_decimal_uint(raw));
    case FlagKind::kInt:
      return widen(parse_decimal_int(raw));
    case FlagKind::kListenUrls:
      return widen(parse_url_list(raw, UrlRole::kListen, false));
    case FlagKind::kAdvertiseUrls:
      return widen(parse_url_list(raw, UrlRole::kAdvertise, false));
    case FlagKind::kOptionalUrls:
      return widen(parse_url_list(raw, UrlRole::kListen, true));
    case FlagKind::kList:
      return R::success(split_list(raw));
    case FlagKind::kCors:
      return widen(parse_cors_list(raw));
    case FlagKind::kInitialCluster:
      return widen(parse_initial_cluster(raw));
  }
  return R::failure("unknown flag kind");
}

}  // namespace larch::config
