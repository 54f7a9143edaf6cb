#pragma once
// The retake.tv agent API as typed asynchronous calls on the main loop. The access token is
// attached only to requests for the api_base host (never to skill.json, and redirects are
// never followed), and it is scrubbed from every error message.
#include "net/http_client.hpp"
#include "retake/retake_api.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace agentcast::retake {

struct ApiError {
  enum class Kind { none, transport, unauthorized, bad_request, not_found, conflict, server, invalid_response, other };
  Kind kind = Kind::none;
  long status = 0;
  std::string message;  // safe to log: sanitised, token removed
};

template <typename T>
struct ApiResult {
  std::optional<T> value;
  ApiError error;
  bool ok() const { return value.has_value(); }
};

struct Sent {};  // chat/send's answer carries nothing we use

// The calls a streaming box makes, as the adapters (go-live target, chat poller, thumbnail
// uploader) see them: RetakeClient over HTTP, or a fake in the unit tests. Every answer comes
// later, on the main loop.
class StreamApi {
 public:
  template <typename T>
  using Done = std::function<void(const ApiResult<T>&)>;

  virtual ~StreamApi() = default;
  virtual void verification_status(Done<bool> done) = 0;  // (2.1) true when verified
  virtual void fetch_rtmp(Done<RtmpEndpoint> done) = 0;
  virtual void start_stream(Done<StreamStart> done) = 0;
  virtual void stream_status(Done<StreamStatus> done) = 0;
  virtual void update_thumbnail(std::string jpeg, Done<ThumbnailResult> done) = 0;
  virtual void stop_stream(Done<StopResult> done) = 0;
  virtual void send_chat(const std::string& text, const std::string& destination_user_id, Done<Sent> done) = 0;
  virtual void comments(const std::string& user_db_id, int limit, const std::optional<std::string>& before_id,
                        Done<std::vector<ChatComment>> done) = 0;
  virtual void skill_version(Done<std::string> done) = 0;
};

class RetakeClient : public StreamApi {
 public:
  RetakeClient(net::HttpClient& http, std::string api_base, std::string skill_url);

  void set_access_token(std::string token) { token_ = std::move(token); }

  void register_agent(const std::string& name, const std::string& description, const std::string& image_url,
                      const std::string& wallet, const std::string& ticker, Done<RegisterResult> done);
  // (2.1) Twitter/X verification: the message to post, the tweet's URL back, the state.
  void prepare_verify(Done<std::string> done);
  void verify(const std::string& tweet_url, Done<bool> done);
  void verification_status(Done<bool> done) override;
  // (2.1) Another streamer's userDbId by name (public: no token sent).
  void streamer_id(const std::string& name, Done<std::string> done);
  void fetch_rtmp(Done<RtmpEndpoint> done) override;
  void start_stream(Done<StreamStart> done) override;
  void stream_status(Done<StreamStatus> done) override;
  void update_thumbnail(std::string jpeg, Done<ThumbnailResult> done) override;
  void stop_stream(Done<StopResult> done) override;
  void send_chat(const std::string& text, const std::string& destination_user_id, Done<Sent> done) override;
  void comments(const std::string& user_db_id, int limit, const std::optional<std::string>& before_id,
                Done<std::vector<ChatComment>> done) override;
  void skill_version(Done<std::string> done) override;

 private:
  template <typename T>
  void call(net::HttpRequest request, bool authenticated, const char* endpoint,
            std::function<T(std::string_view)> parse, Done<T> done);
  ApiError classify(const net::HttpResponse& response, const char* endpoint) const;

  net::HttpClient& http_;
  std::string api_base_;
  std::string api_host_;
  std::string skill_url_;
  std::string token_;
};

}  // namespace agentcast::retake
