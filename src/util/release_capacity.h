#pragma once
// Buffers reused from one request or batch to the next keep their capacity; one that a rare
// large request or batch grew past `max_capacity` gives that memory back instead of holding
// it for the life of its owner.
#include <cstddef>

namespace larch::util {

// Frees c's storage (leaving it empty) if its capacity exceeds max_capacity; otherwise leaves
// it as it is. C: std::string, std::vector, ...
template <typename C>
void release_capacity_over(C& c, size_t max_capacity) {
  if (c.capacity() > max_capacity) C().swap(c);
}

}  // namespace larch::util
