// net/test/tls_test.cc: generated identities, loading them back, and HTTPS between the server
// and the client (a wrong CA fails verification).
#include "bubble/net/tls.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/net/await.h>
#include <bubble/net/error.h>
#include <bubble/net/http_client.h>
#include <bubble/net/http_server.h>
#include <bubble/net/io_loop.h>

#include "temp_dir.h"

namespace net = bubble::net;
namespace sim = bubble::sim;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

using bubble::net::test::TempDir;

void Hello(const net::HttpRequest& req, net::HttpResponder& out) {
  out.Respond(200, "text/plain", "secure " + std::string(req.Path()));
}

}  // namespace

TEST_CASE("a generated identity loads back from PEM files", "[net][tls]") {
  const net::GeneratedTls tls = net::GenerateTlsIdentity({"bubble.test", "10.1.2.3"});
  CHECK_THAT(tls.server.cert_pem, Contains("-----BEGIN CERTIFICATE-----"));
  CHECK_THAT(tls.server.key_pem, Contains("PRIVATE KEY-----"));
  CHECK(tls.server.ca_pem == tls.ca.cert_pem);
  TempDir dir;
  net::WriteTextFile(dir.path / "server.pem", tls.server.cert_pem);
  net::WriteTextFile(dir.path / "server-key.pem", tls.server.key_pem);
  net::WriteTextFile(dir.path / "ca.pem", tls.ca.cert_pem);
  const net::TlsIdentity loaded = net::LoadTlsIdentity(
      dir.path / "server.pem", dir.path / "server-key.pem", dir.path / "ca.pem");
  CHECK(loaded.cert_pem == tls.server.cert_pem);
  CHECK(loaded.ca_pem == tls.ca.cert_pem);
  // OpenSSL's own verifier accepts the chain, when the openssl program is installed.
  if (std::system("command -v openssl >/dev/null 2>&1") == 0) {
    const std::string verify =
        fmt::format("openssl verify -CAfile {} {} >/dev/null", (dir.path / "ca.pem").string(),
                    (dir.path / "server.pem").string());
    CHECK(std::system(verify.c_str()) == 0);
  }
}

TEST_CASE("loading a TLS identity names the file that is wrong", "[net][tls]") {
  const net::GeneratedTls tls = net::GenerateTlsIdentity();
  const net::GeneratedTls other = net::GenerateTlsIdentity();
  TempDir dir;
  net::WriteTextFile(dir.path / "cert.pem", tls.server.cert_pem);
  net::WriteTextFile(dir.path / "key.pem", tls.server.key_pem);
  net::WriteTextFile(dir.path / "other-key.pem", other.server.key_pem);
  net::WriteTextFile(dir.path / "junk.pem", "not a certificate\n");
  CHECK_THROWS_WITH(net::LoadTlsIdentity(dir.path / "missing.pem", dir.path / "key.pem"),
                    Contains("missing.pem"));
  CHECK_THROWS_WITH(net::LoadTlsIdentity(dir.path / "junk.pem", dir.path / "key.pem"),
                    Contains("junk.pem") && Contains("no PEM certificate"));
  CHECK_THROWS_WITH(net::LoadTlsIdentity(dir.path / "cert.pem", dir.path / "junk.pem"),
                    Contains("no PEM private key"));
  CHECK_THROWS_WITH(net::LoadTlsIdentity(dir.path / "cert.pem", dir.path / "other-key.pem"),
                    Contains("does not match"));
}

TEST_CASE("HTTPS with a generated identity, refused by a client trusting another CA",
          "[net][tls]") {
  const net::GeneratedTls tls = net::GenerateTlsIdentity();
  const net::GeneratedTls stranger = net::GenerateTlsIdentity();
  auto result = net::RunRealTime([&] {
    net::HttpServer server({.tls = tls.server}, Hello);
    server.Start();
    const sim::Context bg = sim::Context::Background();
    const std::string address = fmt::format("127.0.0.1:{}", server.BoundPort());

    net::HttpClient trusting({.address = address, .tls = true, .ca_pem = tls.ca.cert_pem});
    net::HttpResponse ok = trusting.Send(bg, {.method = "GET", .target = "/a"});
    INFO(ok.error);
    CHECK(ok.Ok());
    CHECK(ok.status == 200);
    CHECK(ok.body == "secure /a");
    net::HttpResponse again = trusting.Send(bg, {.method = "GET", .target = "/b"});
    CHECK(again.body == "secure /b");

    net::HttpClient by_name({.address = fmt::format("localhost:{}", server.BoundPort()),
                             .tls = true,
                             .ca_pem = tls.ca.cert_pem});
    CHECK(by_name.Send(bg, {.method = "GET", .target = "/n"}).body == "secure /n");

    net::HttpClient wary({.address = address, .tls = true, .ca_pem = stranger.ca.cert_pem});
    net::HttpResponse refused = wary.Send(bg, {.method = "GET", .target = "/a"});
    CHECK_FALSE(refused.Ok());
    CHECK_THAT(refused.error, Contains("TLS handshake") &&
                                  Contains("give the CA that signed the server's certificate"));

    net::HttpClient wrong_name({.address = address,
                                .tls = true,
                                .ca_pem = tls.ca.cert_pem,
                                .server_name = "elsewhere.example"});
    net::HttpResponse misnamed = wrong_name.Send(bg, {.method = "GET", .target = "/a"});
    CHECK_FALSE(misnamed.Ok());
    CHECK_THAT(misnamed.error, Contains("the certificate is not valid for elsewhere.example"));
    net::HttpClient wrong_address(
        {.address = address, .tls = true, .ca_pem = tls.ca.cert_pem, .server_name = "10.9.9.9"});
    CHECK_THAT(wrong_address.Send(bg, {.method = "GET", .target = "/a"}).error,
               Contains("the certificate is not valid for 10.9.9.9"));

    net::HttpClient plain({.address = address});
    CHECK_FALSE(plain.Send(bg, {.method = "GET", .target = "/a"}).Ok());
    server.Stop();
  });
  INFO(result.report);
  REQUIRE(result.Passed());
}

TEST_CASE("insecure_skip_tls_verify reaches a server no CA vouches for, under any name",
          "[net][tls]") {
  const net::GeneratedTls tls = net::GenerateTlsIdentity();
  auto result = net::RunRealTime([&] {
    net::HttpServer server({.tls = tls.server}, Hello);
    server.Start();
    const sim::Context bg = sim::Context::Background();
    const std::string address = fmt::format("127.0.0.1:{}", server.BoundPort());

    // The system's roots do not know a generated CA: verification fails, and says so.
    net::HttpClient verifying({.address = address, .tls = true});
    net::HttpResponse refused = verifying.Send(bg, {.method = "GET", .target = "/a"});
    CHECK_FALSE(refused.Ok());
    CHECK_THAT(refused.error, Contains("TLS handshake") && Contains("certificate verify failed"));

    net::HttpClient trusting_all(
        {.address = address, .tls = true, .insecure_skip_tls_verify = true});
    net::HttpResponse ok = trusting_all.Send(bg, {.method = "GET", .target = "/a"});
    INFO(ok.error);
    CHECK(ok.status == 200);
    CHECK(ok.body == "secure /a");
    // Nor is the name checked.
    net::HttpClient any_name({.address = address,
                              .tls = true,
                              .server_name = "elsewhere.example",
                              .insecure_skip_tls_verify = true});
    CHECK(any_name.Send(bg, {.method = "GET", .target = "/n"}).body == "secure /n");
    server.Stop();
  });
  INFO(result.report);
  REQUIRE(result.Passed());
  // A CA that would never be consulted is refused, as client-go refuses it.
  CHECK_THROWS_WITH(
      net::HttpClient({.address = "127.0.0.1:1",
                       .tls = true,
                       .ca_pem = tls.ca.cert_pem,
                       .insecure_skip_tls_verify = true}),
      Contains("ca_pem and insecure_skip_tls_verify are both set") && Contains("keep one of them"));
  // Without TLS there is nothing to verify: the flag is ignored.
  CHECK_NOTHROW(net::HttpClient(
      {.address = "127.0.0.1:1", .ca_pem = tls.ca.cert_pem, .insecure_skip_tls_verify = true}));
}

TEST_CASE("a client certificate carries the user and groups", "[net][tls]") {
  const net::GeneratedTls tls = net::GenerateTlsIdentity();
  const net::TlsIdentity alice =
      net::IssueClientCertificate(tls.ca, "alice", {"system:masters", "dev"});
  CHECK_THAT(alice.cert_pem, Contains("BEGIN CERTIFICATE"));
  std::vector<std::pair<std::string, std::vector<std::string>>> seen;
  auto record = [&](const net::HttpRequest& req, net::HttpResponder& out) {
    seen.emplace_back(req.client_cert_user, req.client_cert_groups);
    out.Respond(200, "text/plain", "");
  };
  const net::GeneratedTls stranger = net::GenerateTlsIdentity();
  const net::TlsIdentity mallory = net::IssueClientCertificate(stranger.ca, "mallory", {"x"});
  auto result = net::RunRealTime([&] {
    net::HttpServer server({.tls = tls.server}, record);  // tls.server.ca_pem: verifies clients
    server.Start();
    net::HttpClient client({.address = fmt::format("127.0.0.1:{}", server.BoundPort()),
                            .tls = true,
                            .ca_pem = tls.ca.cert_pem,
                            .cert_pem = alice.cert_pem,
                            .key_pem = alice.key_pem});
    net::HttpResponse r = client.Send(sim::Context::Background(), {.method = "GET", .target = "/"});
    INFO(r.error);
    CHECK(r.status == 200);
    // No certificate, and one from another CA: no user (the handshake of the latter fails).
    net::HttpClient anonymous({.address = fmt::format("127.0.0.1:{}", server.BoundPort()),
                               .tls = true,
                               .ca_pem = tls.ca.cert_pem});
    CHECK(anonymous.Send(sim::Context::Background(), {.method = "GET", .target = "/"}).Ok());
    net::HttpClient forged({.address = fmt::format("127.0.0.1:{}", server.BoundPort()),
                            .tls = true,
                            .ca_pem = tls.ca.cert_pem,
                            .cert_pem = mallory.cert_pem,
                            .key_pem = mallory.key_pem});
    CHECK_FALSE(forged.Send(sim::Context::Background(), {.method = "GET", .target = "/"}).Ok());
    server.Stop();
  });
  INFO(result.report);
  REQUIRE(result.Passed());
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].first == "alice");
  CHECK(seen[0].second == std::vector<std::string>{"system:masters", "dev"});
  CHECK(seen[1].first.empty());
  CHECK(seen[1].second.empty());
  TempDir dir;
  net::WriteTextFile(dir.path / "alice.pem", alice.cert_pem);
  if (std::system("command -v openssl >/dev/null 2>&1") == 0) {
    const std::string subject =
        fmt::format("openssl x509 -in {} -noout -subject > {}", (dir.path / "alice.pem").string(),
                    (dir.path / "subject.txt").string());
    REQUIRE(std::system(subject.c_str()) == 0);
    std::ifstream in(dir.path / "subject.txt");
    std::string line;
    std::getline(in, line);
    CHECK_THAT(line,
               Contains("O = system:masters") && Contains("O = dev") && Contains("CN = alice"));
  }
}

TEST_CASE("kubectl (Go's crypto/x509) accepts the generated certificate", "[net][tls]") {
  const fs::path kubectl =
      fs::path(std::getenv("HOME") != nullptr ? std::getenv("HOME") : "/root") /
      ".cache/bubble/kubernetes-client/usr/bin/kubectl";
  if (!fs::exists(kubectl)) {
    WARN("no kubectl at " << kubectl.string() << " (scripts/setup-deps unpacks it): skipped");
    return;
  }
  const net::GeneratedTls tls = net::GenerateTlsIdentity();
  TempDir dir;
  net::WriteTextFile(dir.path / "ca.pem", tls.ca.cert_pem);
  int exit_code = -1;
  auto result = net::RunRealTime([&] {
    net::HttpServer server(
        {.tls = tls.server}, [](const net::HttpRequest&, net::HttpResponder& out) {
          out.Respond(404, "application/json",
                      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                      R"("message":"the test handler says no","reason":"NotFound","code":404})");
        });
    server.Start();
    const std::string command = fmt::format(
        "{} --server https://localhost:{} --certificate-authority {} --token t get --raw /x "
        "</dev/null >{} 2>&1",
        kubectl.string(), server.BoundPort(), (dir.path / "ca.pem").string(),
        (dir.path / "out.txt").string());
    // kubectl blocks: it runs on a thread, which posts its end to the loop.
    auto done = std::make_shared<int>(-1);
    net::Await(
        sim::Context::Background(), "kubectl", done,
        [&](auto handler) {
          boost::asio::io_context& io = net::CurrentIoContext();
          std::thread([command, done, &io, handler = std::move(handler)]() mutable {
            *done = std::system(command.c_str());
            boost::asio::post(io, [handler = std::move(handler)]() mutable { handler({}, 0); });
          }).detach();
        },
        [] {});
    exit_code = *done;
    server.Stop();
  });
  INFO(result.report);
  REQUIRE(result.Passed());
  std::ifstream in(dir.path / "out.txt");
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(output);
  CHECK(exit_code != 0);  // the handler's 404
  CHECK_THAT(output, Contains("the test handler says no"));
  CHECK_THAT(output, !Contains("x509"));
}
