#pragma once
// The members as this member knows them: ids, names and peer URLs from the identity record,
// client URLs (and names) as each member published them through the log. Read by HTTP
// threads, updated by the apply thread: guarded by a mutex.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "http/kv_service.h"

namespace larch::server {

class MemberDirectory {
 public:
  explicit MemberDirectory(std::vector<http::MemberInfo> members) : members_(std::move(members)) {}

  // Applies a published {"name":..,"clientURLs":[..]}; malformed JSON or unknown ids are
  // ignored (the entry is already committed: never fail the apply over it).
  void update(uint64_t id, const std::string& attributes_json);
  std::vector<http::MemberInfo> members() const;

 private:
  mutable std::mutex mu_;
  std::vector<http::MemberInfo> members_;
};

// The attributes JSON a member publishes about itself.
std::string attributes_json(const http::MemberInfo& self);

}  // namespace larch::server
