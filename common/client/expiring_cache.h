// A bounded LRU map from ids to values that expire a fixed time after they were stored: what the
// services' peer clients keep of the answers of other services (names, founders, kinds) that
// change rarely or never. The caller passes the time, so tests drive expiry with a fake clock.
//
//   ExpiringCache<InstitutionInfo> institutions(/*capacity=*/10000, absl::Minutes(5));
//   if (auto cached = institutions.Get(id, absl::Now())) return *std::move(cached);
//   ...
//   institutions.Put(id, info, absl::Now());
//
// Thread-safe.
#ifndef LUBAN_COMMON_CLIENT_EXPIRING_CACHE_H_
#define LUBAN_COMMON_CLIENT_EXPIRING_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace luban::client {

template <typename Value>
class ExpiringCache {
 public:
  // Holds at most `capacity` entries (0: nothing is kept), each used until `ttl` after its Put.
  ExpiringCache(size_t capacity, absl::Duration ttl) : capacity_(capacity), ttl_(ttl) {}
  ExpiringCache(const ExpiringCache&) = delete;
  ExpiringCache& operator=(const ExpiringCache&) = delete;

  // The value stored for `key` unless it has expired by `now` (it is then dropped); marks it
  // the most recently used.
  std::optional<Value> Get(int64_t key, absl::Time now) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (now >= it->second->expires) {
      entries_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->value;
  }

  // Stores `value` for `key` until `now` + ttl, replacing what was there; evicts the least
  // recently used entries beyond the capacity.
  void Put(int64_t key, Value value, absl::Time now) {
    if (capacity_ == 0) return;
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      entries_.erase(it->second);
      index_.erase(it);
    }
    entries_.push_front(Entry{key, std::move(value), now + ttl_});
    index_[key] = entries_.begin();
    while (entries_.size() > capacity_) {
      index_.erase(entries_.back().key);
      entries_.pop_back();
    }
  }

  // Entries held, expired ones not yet dropped included.
  size_t size() const {
    absl::MutexLock lock(&mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    int64_t key;
    Value value;
    absl::Time expires;
  };

  const size_t capacity_;
  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  std::list<Entry> entries_ ABSL_GUARDED_BY(mu_);  // most recently used first
  absl::flat_hash_map<int64_t, typename std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
};

}  // namespace luban::client

#endif  // LUBAN_COMMON_CLIENT_EXPIRING_CACHE_H_
