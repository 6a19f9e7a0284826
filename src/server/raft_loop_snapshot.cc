// RaftLoop: snapshots. Leader side: kSnapshot messages get an image of the key space (made on
// the snapshot thread). Follower side: an image from the leader replaces the key space, then
// the raft log. See docs/architecture.md "Snapshots".
#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>

#include "server/raft_loop.h"
#include "util/log_line.h"

namespace larch::server {

namespace asio = boost::asio;

using util::log_line;

void RaftLoop::take_snapshot_messages(std::vector<consensus::Message>& msgs) {
  auto is_snap = [](const consensus::Message& m) {
    return m.type == consensus::MessageType::kSnapshot;
  };
  if (std::none_of(msgs.begin(), msgs.end(), is_snap)) return;
  std::vector<consensus::Message> rest;
  for (auto& m : msgs) {
    if (!is_snap(m)) {
      rest.push_back(std::move(m));
      continue;
    }
    asio::post(snapshot_ioc_, [this, m = std::move(m)]() mutable {
      std::string error;
      auto image = store::make_snapshot_image(options_.keys_db_path, &error);
      asio::post(ioc_, [this, m = std::move(m), image = std::move(image), error]() mutable {
        finish_snapshot(std::move(m), std::move(image), error);
      });
    });
  }
  msgs = std::move(rest);
}

void RaftLoop::finish_snapshot(consensus::Message m, std::optional<store::SnapshotImage> image,
                               const std::string& error) {
  if (stopped_) return;
  if (!image || image->applied_term == 0) {
    log_line("cannot make a snapshot for member " + std::to_string(m.to) + ": " +
             (image ? std::string("applied term unknown") : error));
    core_->report_snapshot_failure(m.to);
    process_ready();
    return;
  }
  m.index = image->applied_index;
  m.log_term = image->applied_term;
  m.snapshot = std::move(image->bytes);
  if (options_.send) options_.send({std::move(m)});
}

bool RaftLoop::install_snapshot(const consensus::SnapshotToInstall& snap) {
  // The key space first, then the log: a crash in between is finished at startup (the key
  // space then knows more than the log; see the constructor).
  std::promise<std::optional<std::string>> done;
  auto result = done.get_future();
  std::vector<store::MemberPeers> members;
  asio::post(apply_ioc_, [this, &snap, &done, &members] {
    try {
      auto err = keys_.install_snapshot(snap.image);
      if (!err) members = after_install();
      done.set_value(std::move(err));
    } catch (const std::exception& e) {
      done.set_value(std::string(e.what()));
    }
  });
  if (auto err = result.get()) {
    log_line("rejected a snapshot at index " + std::to_string(snap.index) + ": " + *err);
    return false;
  }
  log_.install_snapshot(snap.index, snap.term);
  // The image carries the configuration as of its index; later changes come from the log.
  install_membership(snap.index, members);
  log_line("installed a snapshot of the leader's key space at index " + std::to_string(snap.index) +
           " (" + std::to_string(snap.image.size()) + " bytes)");
  return true;
}

void RaftLoop::install_membership(uint64_t index, const std::vector<store::MemberPeers>& members) {
  conf_applied_ = std::max(conf_applied_, index);
  if (members.empty()) return;  // an image from before member tables: keep what we have
  std::vector<consensus::NodeId> voters;
  for (const auto& m : members) {
    if (!m.removed) voters.push_back(m.id);
  }
  core_->set_voters(voters);
  voter_count_.store(core_->config().voters.size());
}

std::vector<store::MemberPeers> RaftLoop::after_install() {
  readers_.store_changed();
  // Watchers cannot be told what happened in between: end them (clients re-watch from
  // their index and are answered from the installed history).
  hub_.close_all();
  hub_.publish(keys_.etcd_index(), {});
  {
    std::lock_guard lock(expiry_mu_);
    expiry_.rebuild(keys_.ttl_nodes());
  }
  auto members = keys_.member_peers();
  if (options_.on_members_reset && !members.empty()) {
    options_.on_members_reset(keys_.applied_index(), members);
  }
  if (options_.on_member_attributes) {
    for (const auto& [id, attrs] : keys_.member_attributes()) {
      options_.on_member_attributes(id, attrs);
    }
  }
  last_compaction_ = keys_.applied_index();
  applied_index_.store(keys_.applied_index(), std::memory_order_release);
  return members;
}

}  // namespace larch::server
