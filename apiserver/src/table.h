// apiserver/src/table.h
//
// metav1.Table, what `kubectl get` asks for (Accept: application/json;as=Table;v=v1;g=meta.k8s.io):
// the columns kube-apiserver prints for each built-in kind (ConfigMap: Name, Data, Age;
// Deployment: Name, Ready, Up-to-date, Available, Age; ...), a CRD's additionalPrinterColumns,
// and Name + Age for anything else. Each row carries the object as PartialObjectMetadata or in
// full, as includeObject asks.
//
// Which printer fills the rows:
//  - a resource with JSONPath columns (a CRD's additionalPrinterColumns, or apiextensions'
//    default Age column) gets Name then those columns, each evaluated on the object's JSON
//    (simple paths: ".spec.size", ".status.conditions[0].type") and typed as the CRD says
//    (integer, number, boolean, string, date: a date is shown as an age);
//  - a built-in kind (BuiltinPrinterColumns non-empty) gets kube-apiserver's cells, always the
//    wide set: kubectl hides priority-1 columns unless -o wide, as with a real server;
//  - anything else gets Name and Age.
// Cells follow kube's printers (Go's zero values where the object lacks a field; "<none>",
// "<unknown>", "<pending>" where kube prints them), computed from the object's JSON.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

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

// The columns kube-apiserver's printers define for a built-in kind (ConfigMap, Secret, Pod,
// Service, Namespace, Deployment, Lease, Event, CustomResourceDefinition), wide ones with
// priority 1; empty for any other kind. The catalogue fills ServedResource::columns from it.
std::vector<PrinterColumn> BuiltinPrinterColumns(const runtime::GroupKind& kind);

}  // namespace bubble::apiserver::detail
