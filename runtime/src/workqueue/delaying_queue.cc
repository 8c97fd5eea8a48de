// runtime/src/workqueue/delaying_queue.cc: the common instantiation of DelayingQueue.
#include "bubble/runtime/workqueue/delaying_queue.h"

namespace bubble::runtime::workqueue {

template class DelayingQueue<std::string>;

}  // namespace bubble::runtime::workqueue
