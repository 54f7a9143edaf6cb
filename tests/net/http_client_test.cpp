#include "net/http_client.hpp"

#include "common/timer.hpp"
#include "net/tls_trust.hpp"
#include "support/child_process.hpp"
#include "support/loop_runner.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>

using namespace agentcast;
using namespace agentcast::net;
using agentcast::testing::run_loop_for;
using agentcast::testing::run_loop_until;

namespace {

// The Python test server on a free loopback port, over TLS when given a certificate.
class TestServer {
 public:
  TestServer(const testing::TempDir& dir, const std::string& cert = "", const std::string& key = "")
      : port_(testing::free_loopback_port()) {
    std::vector<std::string> argv{"python3", std::string(AGENTCAST_TESTS_DIR) + "/support/http_test_server.py",
                                  "--port", std::to_string(port_)};
    if (!cert.empty()) argv.insert(argv.end(), {"--cert", cert, "--key", key});
    process_ = std::make_unique<testing::ChildProcess>(argv, dir.file("http-server.log"));
    CHECK_TEXT(testing::wait_for_port(port_, 10000), dir.read("http-server.log").c_str());
  }
  std::string url(const std::string& path, const char* scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int port_;
  std::unique_ptr<testing::ChildProcess> process_;
};

HttpRequest get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

HttpRequest post(std::string url) {
  HttpRequest request = get(std::move(url));
  request.method = "POST";
  return request;
}

HttpClient::Options bundle(std::optional<std::string> ca_bundle,
                           std::size_t max_body_bytes = std::size_t{1024} * 1024) {
  HttpClient::Options options;
  options.ca_bundle = std::move(ca_bundle);
  options.max_body_bytes = max_body_bytes;
  return options;
}

}  // namespace

TEST_GROUP(HttpClient) {
  testing::TempDir dir;
  std::unique_ptr<TestServer> server;
  HttpClient client{HttpClient::Options{}};
  void setup() override { server = std::make_unique<TestServer>(dir); }

  HttpResponse fetch(HttpClient & with, HttpRequest request, int timeout_ms = 5000) {
    std::optional<HttpResponse> response;
    with.start(std::move(request), [&](const HttpResponse& r) { response = r; });
    CHECK_TEXT(run_loop_until([&] { return response.has_value(); }, timeout_ms), "no response");
    return *response;
  }
  HttpResponse fetch(HttpRequest request) { return fetch(client, std::move(request)); }
};

TEST(HttpClient, GetReturnsStatusAndBody) {
  const auto response = fetch(get(server->url("/echo?x=1")));
  LONGS_EQUAL(200, response.status);
  CHECK(response.ok());
  const auto body = nlohmann::json::parse(response.body);
  STRCMP_EQUAL("GET", body["method"].get<std::string>().c_str());
  STRCMP_EQUAL("/echo?x=1", body["path"].get<std::string>().c_str());
}

TEST(HttpClient, PostSendsBodyAndHeaders) {
  HttpRequest request = post(server->url("/echo"));
  request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer t0k"}};
  request.body = R"({"hello": "world"})";
  const auto body = nlohmann::json::parse(fetch(request).body);
  STRCMP_EQUAL("POST", body["method"].get<std::string>().c_str());
  STRCMP_EQUAL(R"({"hello": "world"})", body["body"].get<std::string>().c_str());
  STRCMP_EQUAL("Bearer t0k", body["headers"]["authorization"].get<std::string>().c_str());
  STRCMP_EQUAL("application/json", body["headers"]["content-type"].get<std::string>().c_str());
}

TEST(HttpClient, MultipartFileArrivesAsANamedFormField) {
  HttpRequest request = post(server->url("/echo"));
  request.file = MultipartFile{"image", "thumbnail.jpg", "image/jpeg", std::string("\xff\xd8\xff\xe0 jpeg", 9)};
  const auto body = nlohmann::json::parse(fetch(request).body);
  CHECK(body["headers"]["content-type"].get<std::string>().starts_with("multipart/form-data; boundary="));
  const std::string form = body["body"].get<std::string>();
  CHECK_TEXT(form.find("name=\"image\"; filename=\"thumbnail.jpg\"") != std::string::npos, form.c_str());
  CHECK_TEXT(form.find("Content-Type: image/jpeg") != std::string::npos, form.c_str());
}

TEST(HttpClient, ErrorStatusesAreResponsesNotTransportErrors) {
  const auto response = fetch(get(server->url("/status/503")));
  LONGS_EQUAL(503, response.status);
  CHECK(response.error.empty());
  CHECK_FALSE(response.ok());
}

TEST(HttpClient, ABodyLargerThanTheCapIsRefused) {
  HttpClient small(bundle(std::nullopt, 1000));
  CHECK(fetch(small, get(server->url("/bytes?n=1000"))).ok());
  const auto response = fetch(small, get(server->url("/bytes?n=5000")));
  CHECK_FALSE(response.ok());
  CHECK_TEXT(response.error.find("larger than 1000 bytes") != std::string::npos, response.error.c_str());
  CHECK(response.body.empty());
}

TEST(HttpClient, TheTotalTimeoutEndsASlowRequest) {
  HttpRequest request = get(server->url("/slow?ms=3000"));
  request.total_timeout_ms = 300;
  const auto response = fetch(request);
  CHECK_FALSE(response.ok());
  CHECK_TEXT(response.error.find("timed out") != std::string::npos, response.error.c_str());
}

TEST(HttpClient, RedirectsAreNotFollowed) {
  const auto response = fetch(get(server->url("/redirect")));
  LONGS_EQUAL(302, response.status);
  CHECK_FALSE(response.ok());
}

TEST(HttpClient, PlainHttpToARemoteHostIsRefusedBeforeConnecting) {
  bool inline_call = true;
  std::optional<HttpResponse> response;
  client.start(get("http://retake.tv/api/v1/agent/rtmp"), [&](const HttpResponse& r) {
    CHECK_FALSE(inline_call);
    response = r;
  });
  inline_call = false;
  CHECK(run_loop_until([&] { return response.has_value(); }, 1000));
  LONGS_EQUAL(0, response->status);
  CHECK_TEXT(response->error.find("plain http:// is refused") != std::string::npos, response->error.c_str());
  const auto other = fetch(get("ftp://127.0.0.1/file"));
  CHECK_TEXT(other.error.find("unsupported URL scheme") != std::string::npos, other.error.c_str());
}

TEST(HttpClient, TheLoopKeepsRunningWhileARequestIsInFlight) {
  int ticks = 0;
  Timer ticker;
  ticker.every(20, [&] { ++ticks; });
  const auto response = fetch(get(server->url("/slow?ms=600")));
  CHECK(response.ok());
  // 600 ms of waiting: a blocking client would have let no tick through.
  CHECK_TEXT(ticks >= 15, std::to_string(ticks).c_str());
}

TEST(HttpClient, ConcurrentRequestsAllComplete) {
  int done = 0;
  for (int i = 0; i < 8; ++i) {
    client.start(get(server->url("/slow?ms=200")), [&](const HttpResponse& r) { done += r.ok() ? 1 : 0; });
  }
  LONGS_EQUAL(8, client.in_flight());
  CHECK(run_loop_until([&] { return done == 8; }, 5000));
  LONGS_EQUAL(0, client.in_flight());
}

TEST(HttpClient, ACancelledRequestNeverCallsBack) {
  bool called = false;
  const auto id = client.start(get(server->url("/slow?ms=200")), [&](const HttpResponse&) { called = true; });
  client.cancel(id);
  run_loop_for(500);
  CHECK_FALSE(called);
  LONGS_EQUAL(0, client.in_flight());
}

TEST_GROUP(HttpsClient) { testing::TempDir dir; };

TEST(HttpsClient, VerifiesTheServerAndTrustsTheConfiguredBundle) {
  CHECK(testing::make_self_signed_certificate(dir.file("cert.pem"), dir.file("key.pem"), "agentcast-test"));
  TestServer server(dir, dir.file("cert.pem"), dir.file("key.pem"));
  auto fetch_with = [&](HttpClient& client) {
    std::optional<HttpResponse> response;
    client.start(get(server.url("/echo", "https")), [&](const HttpResponse& r) { response = r; });
    CHECK(run_loop_until([&] { return response.has_value(); }, 5000));
    return *response;
  };
  HttpClient system_store(HttpClient::Options{});
  const auto untrusted = fetch_with(system_store);
  CHECK_FALSE(untrusted.ok());
  CHECK_TEXT(untrusted.error.find("certificate") != std::string::npos, untrusted.error.c_str());

  HttpClient trusting(bundle(dir.file("cert.pem")));
  const auto trusted = fetch_with(trusting);
  CHECK_TEXT(trusted.ok(), trusted.error.c_str());
}

// tls.ca_file as the box uses it: the CA and the system bundle combined in memory, handed to
// libcurl by its /proc/self/fd name. Nothing is written under $TMPDIR (the shipped unit's file
// system is read-only there) and the server is trusted.
TEST(HttpsClient, TheAdditionalTrustHeldInMemoryServesLibcurlWithoutATemporaryFile) {
  CHECK(testing::make_self_signed_certificate(dir.file("cert.pem"), dir.file("key.pem"), "agentcast-test"));
  TestServer server(dir, dir.file("cert.pem"), dir.file("key.pem"));
  const auto temporary_files = [] {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(g_get_tmp_dir())) {
      if (entry.path().filename().string().rfind("agentcast-anchors", 0) == 0) ++count;
    }
    return count;
  };
  const std::size_t before = temporary_files();
  const agentcast::net::AdditionalTrust trust(dir.file("cert.pem"));
  CHECK_TEXT(trust.anchors_path().rfind("/proc/self/fd/", 0) == 0, trust.anchors_path().c_str());
  LONGS_EQUAL(before, temporary_files());

  HttpClient trusting(bundle(trust.anchors_path()));
  std::optional<HttpResponse> response;
  trusting.start(get(server.url("/echo", "https")), [&](const HttpResponse& r) { response = r; });
  CHECK(run_loop_until([&] { return response.has_value(); }, 5000));
  CHECK_TEXT(response->ok(), response->error.c_str());
}
