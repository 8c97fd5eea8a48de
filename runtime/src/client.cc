// runtime/src/client.cc
#include "bubble/runtime/client.h"

#include <bubble/runtime/deployment.h>
#include <bubble/runtime/namespace.h>
#include <bubble/runtime/service.h>

namespace bubble::runtime {

TypedClient<Namespace> Clientset::Namespaces() {
  return For<Namespace>("");
}

TypedClient<Service> Clientset::Services(std::string_view ns) {
  return For<Service>(ns);
}

TypedClient<Deployment> Clientset::Deployments(std::string_view ns) {
  return For<Deployment>(ns);
}

}  // namespace bubble::runtime
