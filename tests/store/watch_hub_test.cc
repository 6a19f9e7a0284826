#include "store/watch_hub.h"

#include <catch2/catch.hpp>

using namespace larch::store;

namespace {

struct RecordingSink : WatchSink {
  std::vector<std::string> got;
  bool closed = false;
  size_t capacity = 1000;
  bool deliver(std::shared_ptr<const std::string> json) override {
    if (got.size() >= capacity) return false;
    got.push_back(*json);
    return true;
  }
  void close() override { closed = true; }
};

Event ev(uint64_t index, std::string key, bool dir = false, bool removal = false) {
  return Event{index, key, dir, removal, key + "@" + std::to_string(index)};
}

HistoryResult no_history(uint64_t, uint64_t) {
  return {};
}

}  // namespace

TEST_CASE("watch hub: a one-shot watcher gets the next event on its key once") {
  WatchHub hub(10);
  auto sink = std::make_shared<RecordingSink>();
  auto reg = hub.watch({"/a", false, false, 0}, sink, no_history);
  REQUIRE(reg.id != 0);
  REQUIRE(reg.etcd_index == 10);
  REQUIRE(hub.count() == 1);
  hub.publish(11, {ev(11, "/b")});
  REQUIRE(sink->got.empty());
  hub.publish(13, {ev(12, "/a"), ev(13, "/a")});
  REQUIRE(sink->got == std::vector<std::string>{"/a@12"});
  REQUIRE(hub.count() == 0);
}

TEST_CASE("watch hub: recursive watchers see descendants but not hidden ones") {
  WatchHub hub(1);
  auto rec = std::make_shared<RecordingSink>();
  auto flat = std::make_shared<RecordingSink>();
  hub.watch({"/d", true, true, 0}, rec, no_history);
  hub.watch({"/d", false, true, 0}, flat, no_history);
  hub.publish(4, {ev(2, "/d/x"), ev(3, "/d/_h/y"), ev(4, "/dx")});
  REQUIRE(rec->got == std::vector<std::string>{"/d/x@2"});
  REQUIRE(flat->got.empty());
}

TEST_CASE("watch hub: removing a directory reaches watchers below it, a file does not") {
  WatchHub hub(1);
  auto below = std::make_shared<RecordingSink>();
  auto under_file = std::make_shared<RecordingSink>();
  hub.watch({"/dir/a/b", false, true, 0}, below, no_history);
  hub.watch({"/f/x", false, true, 0}, under_file, no_history);
  hub.publish(3, {ev(2, "/dir", true, true), ev(3, "/f", false, true)});
  REQUIRE(below->got == std::vector<std::string>{"/dir@2"});
  REQUIRE(under_file->got.empty());
}

TEST_CASE("watch hub: waitIndex in the future skips earlier events") {
  WatchHub hub(5);
  auto sink = std::make_shared<RecordingSink>();
  hub.watch({"/k", false, false, 8}, sink, no_history);
  hub.publish(7, {ev(6, "/k"), ev(7, "/k")});
  REQUIRE(sink->got.empty());
  hub.publish(8, {ev(8, "/k")});
  REQUIRE(sink->got == std::vector<std::string>{"/k@8"});
}

TEST_CASE("watch hub: history answers a past waitIndex without registering") {
  WatchHub hub(20);
  auto sink = std::make_shared<RecordingSink>();
  uint64_t asked_from = 0, asked_to = 0;
  auto reg = hub.watch({"/k", false, false, 5}, sink, [&](uint64_t from, uint64_t to) {
    asked_from = from, asked_to = to;
    HistoryResult h;
    h.kind = HistoryResult::Kind::kFound;
    h.json = "hist";
    h.index = 9;
    return h;
  });
  REQUIRE(asked_from == 5);
  REQUIRE(asked_to == 20);
  REQUIRE(reg.id == 0);
  REQUIRE(sink->got == std::vector<std::string>{"hist"});
  REQUIRE(hub.count() == 0);
}

TEST_CASE("watch hub: a stream replays history then continues live without gaps") {
  WatchHub hub(20);
  auto sink = std::make_shared<RecordingSink>();
  auto reg = hub.watch({"/k", false, true, 5}, sink, [&](uint64_t from, uint64_t) {
    HistoryResult h;
    if (from <= 9) {
      h.kind = HistoryResult::Kind::kFound;
      h.json = "h9";
      h.index = 9;
    }
    return h;
  });
  REQUIRE(reg.id != 0);
  hub.publish(21, {ev(21, "/k")});
  REQUIRE(sink->got == std::vector<std::string>{"h9", "/k@21"});
}

TEST_CASE("watch hub: cleared history is reported with the oldest index") {
  WatchHub hub(2000);
  auto sink = std::make_shared<RecordingSink>();
  auto reg = hub.watch({"/k", false, false, 3}, sink, [](uint64_t, uint64_t) {
    HistoryResult h;
    h.kind = HistoryResult::Kind::kCleared;
    h.oldest = 1001;
    return h;
  });
  REQUIRE(reg.cleared);
  REQUIRE(reg.oldest == 1001);
  REQUIRE(hub.count() == 0);
}

TEST_CASE("watch hub: a slow stream consumer is dropped and closed; cancel removes") {
  WatchHub hub(1);
  auto slow = std::make_shared<RecordingSink>();
  slow->capacity = 2;
  auto other = std::make_shared<RecordingSink>();
  hub.watch({"/k", false, true, 0}, slow, no_history);
  auto reg = hub.watch({"/k", false, true, 0}, other, no_history);
  hub.publish(4, {ev(2, "/k"), ev(3, "/k"), ev(4, "/k")});
  REQUIRE(slow->closed);
  REQUIRE(slow->got.size() == 2);
  REQUIRE(other->got.size() == 3);
  REQUIRE(hub.count() == 1);
  hub.cancel(reg.id);
  hub.cancel(reg.id);  // unknown ids are ignored
  REQUIRE(hub.count() == 0);
}

TEST_CASE("watch hub: many one-shot watchers on one key all fire and are removed") {
  WatchHub hub(1);
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (int i = 0; i < 500; ++i) {
    sinks.push_back(std::make_shared<RecordingSink>());
    hub.watch({"/fan", false, false, 0}, sinks.back(), no_history);
  }
  hub.publish(2, {ev(2, "/fan")});
  for (auto& s : sinks) REQUIRE(s->got.size() == 1);
  REQUIRE(hub.count() == 0);
  hub.close_all();
}
