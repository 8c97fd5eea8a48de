// apiserver/src/table.h
//
// metav1.Table, what `kubectl get` asks for (Accept: application/json;as=Table;v=v1;g=meta.k8s.io):
// the columns kube-apiserver prints for each built-in kind (ConfigMap: Name, Data, Age;
// Deployment: Name, Ready, Up-to-date, Available, Age; ...), a CRD's additionalPrinterColumns,
// and Name + Age for anything else. Each row carries the object as PartialObjectMetadata or in
// full, as includeObject asks.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <bubble/runtime/object.h>
#include <bubble/sim/clock.h>

#include "resource_catalog.h"

namespace bubble::apiserver::detail {

enum class IncludeObject { kNone, kMetadata, kObject };  // ?includeObject=None|Metadata|Object

// A Table of `objects` of `resource`. `list_metadata` is the list's metadata (resourceVersion,
// continue) or, for a single object, empty. Ages are computed against `now` (the loop's clock).
nlohmann::json ToTable(const ServedResource& resource, std::span<const runtime::ObjectPtr> objects,
                       const nlohmann::json& list_metadata, IncludeObject include,
                       sim::TimePoint now);

}  // namespace bubble::apiserver::detail
