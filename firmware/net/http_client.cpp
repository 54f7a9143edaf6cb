#include "net/http_client.hpp"

#include "common/fault_barrier.hpp"
#include "common/urls.hpp"

#include <glib-unix.h>

namespace agentcast::net {
namespace {

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MimeFree {
  void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};
struct EasyCleanup {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};

// Refuses what must never be sent; returns the reason, or "" when the URL may be used.
std::string refusal_for(const std::string& url) {
  const auto parts = parse_url(url);
  if (!parts) return "not a valid URL";
  if (parts->scheme == "https") return {};
  if (parts->scheme == "http") {
    if (is_loopback_host(parts->host)) return {};
    return "plain http:// is refused for the non-loopback host " + parts->host + " (use https://)";
  }
  return "unsupported URL scheme " + parts->scheme;
}

}  // namespace

struct HttpClient::Transfer {
  RequestId id = 0;
  std::unique_ptr<CURL, EasyCleanup> easy{curl_easy_init()};
  std::unique_ptr<curl_slist, SlistFree> headers;
  std::unique_ptr<curl_mime, MimeFree> mime;
  std::string request_body;
  HttpResponse response;
  Done done;
  std::size_t max_body_bytes = 0;
  bool too_large = false;
  char error_buffer[CURL_ERROR_SIZE] = {};

  static size_t on_body(char* data, size_t size, size_t count, void* self) {
    auto* transfer = static_cast<Transfer*>(self);
    const size_t bytes = size * count;
    if (transfer->response.body.size() + bytes > transfer->max_body_bytes) {
      transfer->too_large = true;
      return 0;  // makes curl abort with CURLE_WRITE_ERROR
    }
    transfer->response.body.append(data, bytes);
    return bytes;
  }
};

HttpClient::HttpClient(Options options) : options_(std::move(options)), multi_(curl_multi_init()) {
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &HttpClient::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &HttpClient::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

HttpClient::~HttpClient() {
  for (auto& [id, transfer] : transfers_) curl_multi_remove_handle(multi_, transfer->easy.get());
  transfers_.clear();
  for (auto& [socket, watch] : watches_) g_source_remove(watch);
  watches_.clear();
  curl_multi_cleanup(multi_);
}

HttpClient::RequestId HttpClient::start(HttpRequest request, Done done) {
  const RequestId id = next_id_++;
  if (const std::string refusal = refusal_for(request.url); !refusal.empty()) {
    HttpResponse response;
    response.error = refusal;
    refused_.emplace_back(std::move(done), std::move(response));
    deferred_.once(0, [this] {
      auto refused = std::move(refused_);
      refused_.clear();
      for (auto& [callback, refused_response] : refused) callback(refused_response);
    });
    return id;
  }

  auto transfer = std::make_unique<Transfer>();
  transfer->id = id;
  transfer->done = std::move(done);
  transfer->max_body_bytes = options_.max_body_bytes;
  CURL* easy = transfer->easy.get();
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error_buffer);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (options_.ca_bundle) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_bundle->c_str());
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, request.total_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body_bytes));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "agentcast/" AGENTCAST_VERSION);

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    std::string line = name;
    line.append(": ").append(value);
    headers = curl_slist_append(headers, line.c_str());
  }
  transfer->headers.reset(headers);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

  if (request.file) {
    transfer->mime.reset(curl_mime_init(easy));
    curl_mimepart* part = curl_mime_addpart(transfer->mime.get());
    curl_mime_name(part, request.file->field.c_str());
    curl_mime_filename(part, request.file->filename.c_str());
    curl_mime_type(part, request.file->content_type.c_str());
    curl_mime_data(part, request.file->data.data(), request.file->data.size());
    curl_easy_setopt(easy, CURLOPT_MIMEPOST, transfer->mime.get());
  } else if (request.body) {
    transfer->request_body = std::move(*request.body);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->request_body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer->request_body.size()));
  }
  if (request.method != "GET" && request.method != "POST") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method == "POST" && !request.body && !request.file) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, 0L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, "");
  }

  curl_multi_add_handle(multi_, easy);
  transfers_.emplace(id, std::move(transfer));
  return id;
}

void HttpClient::cancel(RequestId id) {
  const auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  curl_multi_remove_handle(multi_, it->second->easy.get());
  transfers_.erase(it);
}

int HttpClient::on_socket(CURL* /*easy*/, curl_socket_t socket, int what, void* client, void* /*socket_data*/) {
  auto* self = static_cast<HttpClient*>(client);
  if (const auto it = self->watches_.find(socket); it != self->watches_.end()) {
    g_source_remove(it->second);
    self->watches_.erase(it);
  }
  if (what == CURL_POLL_REMOVE) return 0;
  int condition = G_IO_ERR | G_IO_HUP;
  if ((what & CURL_POLL_IN) != 0) condition |= G_IO_IN;
  if ((what & CURL_POLL_OUT) != 0) condition |= G_IO_OUT;
  self->watches_[socket] =
      g_unix_fd_add(socket, static_cast<GIOCondition>(condition), &HttpClient::on_socket_ready, self);
  return 0;
}

gboolean HttpClient::on_socket_ready(gint fd, GIOCondition condition, gpointer client) {
  int events = 0;
  if ((condition & G_IO_IN) != 0) events |= CURL_CSELECT_IN;
  if ((condition & G_IO_OUT) != 0) events |= CURL_CSELECT_OUT;
  if ((condition & (G_IO_ERR | G_IO_HUP)) != 0) events |= CURL_CSELECT_ERR;
  // curl may replace this watch from inside drive(); the new one is already registered then.
  fault::contain("an HTTP completion", [&] { static_cast<HttpClient*>(client)->drive(fd, events); });
  return G_SOURCE_CONTINUE;
}

int HttpClient::on_timer(CURLM* /*multi*/, long timeout_ms, void* client) {
  auto* self = static_cast<HttpClient*>(client);
  if (timeout_ms < 0) {
    self->timeout_.stop();
  } else {
    // Never call back into curl from inside its own callback: schedule it.
    self->timeout_.once(static_cast<guint>(timeout_ms), [self] { self->drive(CURL_SOCKET_TIMEOUT, 0); });
  }
  return 0;
}

void HttpClient::drive(curl_socket_t socket, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, socket, events, &running);
  collect_finished();
}

void HttpClient::collect_finished() {
  int remaining = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &remaining)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* transfer = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
    HttpResponse response = std::move(transfer->response);
    curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &response.status);
    if (message->data.result != CURLE_OK) {
      if (transfer->too_large || message->data.result == CURLE_FILESIZE_EXCEEDED) {
        response.error = "response body larger than " + std::to_string(options_.max_body_bytes) + " bytes";
      } else {
        response.error =
            transfer->error_buffer[0] != '\0' ? transfer->error_buffer : curl_easy_strerror(message->data.result);
      }
      response.body.clear();
    }
    finish(transfer->id, response);
  }
}

void HttpClient::finish(RequestId id, const HttpResponse& response) {
  const auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  Done done = std::move(it->second->done);
  curl_multi_remove_handle(multi_, it->second->easy.get());
  transfers_.erase(it);
  done(response);
}

}  // namespace agentcast::net
