#include "http/key_request.h"

namespace larch::http {

std::optional<KeyMethod> key_method_from(std::string_view method) {
  if (method == "GET") return KeyMethod::kGet;
  if (method == "HEAD") return KeyMethod::kHead;
  if (method == "PUT") return KeyMethod::kPut;
  if (method == "POST") return KeyMethod::kPost;
  if (method == "DELETE") return KeyMethod::kDelete;
  return std::nullopt;
}

std::string_view key_method_name(KeyMethod method) {
  switch (method) {
    case KeyMethod::kGet:
      return "GET";
    case KeyMethod::kHead:
      return "HEAD";
    case KeyMethod::kPut:
      return "PUT";
    case KeyMethod::kPost:
      return "POST";
    case KeyMethod::kDelete:
      return "DELETE";
  }
  return "";
}

}  // namespace larch::http
