#pragma once
// HTTP(S) on the main loop: libcurl's multi interface driven by GLib fd watches and one
// timer, so no request ever blocks the loop and no thread is started per request.
// Safety rules live here, not in callers: TLS verification always on, no redirects (a
// bearer token must never follow one to another host), plain http:// only to loopback,
// bounded connect/total time and response size.
#include "common/timer.hpp"

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace agentcast::net {

struct MultipartFile {
  std::string field;  // form field name, e.g. "image"
  std::string filename;
  std::string content_type;
  std::string data;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;  // sent as is (set Content-Type in headers)
  std::optional<MultipartFile> file;
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 15000;
};

struct HttpResponse {
  long status = 0;  // 0 when no HTTP response arrived
  std::string body;
  std::string error;  // transport problem (timeout, TLS, refused, too large); empty otherwise
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

class HttpClient {
 public:
  struct Options {
    std::optional<std::string> ca_bundle;  // PEM file of trust anchors; nullopt: the system store
    std::size_t max_body_bytes = std::size_t{1024} * 1024;
  };
  using Done = std::function<void(const HttpResponse&)>;
  using RequestId = std::uint64_t;

  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts a request; `done` runs later on the main loop, exactly once, unless cancelled. A
  // request refused before sending (bad URL, plain http to a remote host) completes with
  // an error on the next loop iteration, never inline.
  RequestId start(HttpRequest request, Done done);
  void cancel(RequestId id);
  std::size_t in_flight() const { return transfers_.size(); }

 private:
  struct Transfer;
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* client, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* client);
  static gboolean on_socket_ready(gint fd, GIOCondition condition, gpointer client);
  void drive(curl_socket_t socket, int events);
  void collect_finished();
  void finish(RequestId id, const HttpResponse& response);

  Options options_;
  CURLM* multi_ = nullptr;
  std::map<RequestId, std::unique_ptr<Transfer>> transfers_;
  std::map<curl_socket_t, guint> watches_;
  Timer timeout_;
  Timer deferred_;
  std::vector<std::pair<Done, HttpResponse>> refused_;
  RequestId next_id_ = 1;
};

}  // namespace agentcast::net
