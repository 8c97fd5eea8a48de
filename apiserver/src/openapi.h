// apiserver/src/openapi.h
//
// GET /openapi/v2: the OpenAPI v2 document kubectl 1.20 validates `apply`/`create` input against
// (unless --validate=false). kubectl fetches it with
//   Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf
// and decodes the body as gnostic's openapi_v2.Document protobuf message (a 404 or 406 makes it
// try the pre-1.10 /swagger-2.0.0.pb-v1, then fail the command).
//
// bubble serves a valid document with no definitions: kubectl maps a kind to its schema through
// the definitions' x-kubernetes-group-version-kind extensions, finds none, and skips validation
// for every kind (kubectl's pkg/util/openapi/validation: "resource is not present, let's just
// skip validation"). So `kubectl apply -f` works with validation on for ConfigMaps, Deployments
// and custom resources alike; a malformed field is then reported by the server (the decode
// error of the REST handler), not by kubectl. Strategic-merge patches of built-in kinds still
// work: kubectl falls back to its compiled-in types when the document has no schema.
//
// The protobuf body is written by hand: three fields (swagger, info{title, version}, an empty
// paths) in protobuf's stable wire format. A protobuf library would need gnostic's 100-message
// .proto compiled with protoc into the build for those few bytes; the encoder below is the whole
// of what is needed, and the tests decode it back field by field.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace bubble::apiserver::detail {

// The media type kubectl asks for the protobuf form with (its Accept header).
inline constexpr std::string_view kOpenApiProtobufType =
    "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
// The Content-Type to answer the protobuf form with. Not kOpenApiProtobufType: its "@" is not a
// token character, so client-go's mime.ParseMediaType rejects it and kubectl fails with
// "Internal error occurred: mime: unexpected content after media subtype" (checked with
// kubectl 1.20). kube-apiserver never sends it either: kube-openapi serves the bytes with
// http.ServeContent, which sniffs them as application/octet-stream.
inline constexpr std::string_view kOpenApiProtobufResponseType = "application/octet-stream";

// {"swagger":"2.0","info":{"title":"Kubernetes","version":<GitVersion()>},"paths":{},
//  "definitions":{}}.
nlohmann::json OpenApiV2Json();

// The same document as an openapi_v2.Document protobuf message: fields swagger (1),
// info (2: title 1, version 2) and an empty paths (8).
std::string OpenApiV2Protobuf();

// Whether an Accept header asks for the protobuf form (kubectl, client-go's discovery) rather
// than JSON (a browser, curl, `kubectl get --raw /openapi/v2`).
bool WantsOpenApiProtobuf(std::string_view accept);

}  // namespace bubble::apiserver::detail
