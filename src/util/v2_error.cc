#include "util/v2_error.h"

#include "util/go_json.h"

namespace larch::util {

std::string_view v2_error_message(int code) {
  switch (code) {
    case 100:
      return "Key not found";
    case 101:
      return "Compare failed";
    case 102:
      return "Not a file";
    case 103:
      return "Reached the max number of peers in the cluster";
    case 104:
      return "Not a directory";
    case 105:
      return "Key already exists";
    case 106:
      return "The prefix of given key is a keyword in etcd";
    case 107:
      return "Root is read only";
    case 108:
      return "Directory not empty";
    case 109:
      return "Peer address has existed";
    case 110:
      return "The request requires user authentication";
    case 200:
      return "Value is Required in POST form";
    case 201:
      return "PrevValue is Required in POST form";
    case 202:
      return "The given TTL in POST form is not a number";
    case 203:
      return "The given index in POST form is not a number";
    case 204:
      return "Value or TTL is required in POST form";
    case 205:
      return "The given timeout in POST form is not a number";
    case 206:
      return "Name is required in POST form";
    case 207:
      return "Index or value is required";
    case 208:
      return "Index and value cannot both be specified";
    case 209:
      return "Invalid field";
    case 210:
      return "Invalid POST form";
    case 211:
      return "Value provided on refresh";
    case 212:
      return "A TTL must be provided on refresh";
    case 300:
      return "Raft Internal Error";
    case 301:
      return "During Leader Election";
    case 400:
      return "watcher is cleared due to etcd recovery";
    case 401:
      return "The event in requested index is outdated and cleared";
    case 402:
      return "Standby Internal Error";
    case 403:
      return "Invalid active size";
    case 404:
      return "Standby remove delay";
    case 500:
      return "Client Internal Error";
    default:
      return "";
  }
}

int v2_error_status(int code) {
  switch (code) {
    case 100:
      return 404;
    case 101:
    case 105:
      return 412;
    case 102:
    case 108:
      return 403;
    case 110:
      return 401;
    case 300:
    case 301:
      return 500;
    default:
      return 400;
  }
}

std::string v2_error_body(int code, const std::optional<std::string>& cause, uint64_t index) {
  std::string out = "{\"errorCode\":";
  append_int(out, code);
  out += ",\"message\":";
  append_json_string(out, v2_error_message(code));
  if (cause && !cause->empty()) {
    out += ",\"cause\":";
    append_json_string(out, *cause);
  }
  out += ",\"index\":";
  append_uint(out, index);
  out += "}\n";
  return out;
}

std::string v2_message_body(std::string_view message) {
  std::string out = "{\"message\":";
  append_json_string(out, message);
  out += '}';
  return out;
}

}  // namespace larch::util
