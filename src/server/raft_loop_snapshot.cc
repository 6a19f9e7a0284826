// RaftLoop: snapshots. Leader side: kSnapshot messages get an image file of the key space
// (written on the snapshot thread) for the transport to stream. Follower side: a received
// image file replaces the key space, then the raft log. See docs/architecture.md "Snapshots".
#include <algorithm>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <system_error>

#include "server/raft_loop.h"
#include "util/log_line.h"
#include "util/member_id.h"
#include "util/remove_db_file.h"

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
    if (options_.snapshot_dir.empty()) {
      log_line("cannot make a snapshot for member " + util::id_hex(m.to) + ": no snapshot dir");
      continue;  // dropped: the core resends after its snapshot timeout
    }
    // One file per message: the transport removes it once sent (or dropped), while a newer
    // image for the same member may already be on its way.
    std::string path = options_.snapshot_dir + "/out-" + util::id_hex(m.to) + "-" +
                       std::to_string(++snapshot_files_) + ".snap";
    asio::post(snapshot_ioc_, [this, m = std::move(m), path = std::move(path)]() mutable {
      std::string error;
      auto image = store::write_snapshot_image(options_.keys_db_path, path, &error);
      asio::post(ioc_, [this, m = std::move(m), image = std::move(image), error]() mutable {
        finish_snapshot(std::move(m), std::move(image), error);
      });
    });
  }
  msgs = std::move(rest);
}

void RaftLoop::finish_snapshot(consensus::Message m, std::optional<store::SnapshotImage> image,
                               const std::string& error) {
  if (stopped_ || !options_.send) {
    if (image) util::remove_db_file(image->path);
    return;
  }
  if (!image || image->applied_term == 0) {
    if (image) util::remove_db_file(image->path);
    log_line("cannot make a snapshot for member " + util::id_hex(m.to) + ": " +
             (image ? std::string("applied term unknown") : error));
    core_->report_snapshot_failure(m.to);
    process_ready();
    return;
  }
  m.index = image->applied_index;
  m.log_term = image->applied_term;
  m.snapshot = std::move(image->path);
  options_.send({std::move(m)});
}

bool RaftLoop::install_snapshot(const consensus::SnapshotToInstall& snap) {
  // The key space first, then the log: a crash in between is finished at startup (the key
  // space then knows more than the log; see the constructor).
  std::promise<std::optional<std::string>> done;
  auto result = done.get_future();
  std::vector<store::MemberPeers> members;
  std::error_code size_error;
  uint64_t bytes = std::filesystem::file_size(snap.image, size_error);
  asio::post(apply_ioc_, [this, &snap, &done, &members] {
    try {
      auto err = keys_.install_snapshot_file(snap.image);
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
           " (" + std::to_string(size_error ? 0 : bytes) + " bytes)");
  return true;
}

void RaftLoop::drop_received_images(const std::vector<consensus::Message>& stepped) {
  for (const auto& m : stepped) {
    if (m.type == consensus::MessageType::kSnapshot) util::remove_db_file(m.snapshot);
  }
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
