// runtime/src/workqueue/rate_limiting_queue.cc: the common instantiation of RateLimitingQueue.
#include "bubble/runtime/workqueue/rate_limiting_queue.h"

namespace bubble::runtime::workqueue {

template class RateLimitingQueue<std::string>;

}  // namespace bubble::runtime::workqueue
