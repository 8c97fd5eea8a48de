// runtime/src/workqueue/queue.cc: the common instantiation of Queue.
#include "bubble/runtime/workqueue/queue.h"

namespace bubble::runtime::workqueue {

template class Queue<std::string>;

}  // namespace bubble::runtime::workqueue
