#include "notify/delivery.hpp"

#include "common/fault_barrier.hpp"
#include "common/glib_handles.hpp"
#include "common/handles.hpp"
#include "common/urls.hpp"
#include "common/user_data.hpp"

#include <gio/gio.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

namespace agentcast::notify {
namespace {

class WebhookDelivery final : public Delivery {
 public:
  WebhookDelivery(std::string url, net::HttpClient& http) : url_(std::move(url)), http_(http) {
    const auto parts = parse_url(url_);
    where_ = parts ? parts->host : std::string("(an unusable URL)");
  }
  ~WebhookDelivery() override {
    for (const auto id : in_flight_) http_.cancel(id);
  }
  WebhookDelivery(const WebhookDelivery&) = delete;
  WebhookDelivery& operator=(const WebhookDelivery&) = delete;

  void deliver(const std::string& body, Done done) override {
    net::HttpRequest request;
    request.method = "POST";
    request.url = url_;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body;
    request.total_timeout_ms = 10'000;
    auto id = std::make_shared<net::HttpClient::RequestId>(0);
    *id = http_.start(std::move(request), [this, id, done = std::move(done)](const net::HttpResponse& response) {
      std::erase(in_flight_, *id);
      if (response.ok()) {
        done("");
      } else {
        done(response.error.empty() ? "HTTP " + std::to_string(response.status) : "no answer (" + response.error + ")");
      }
    });
    in_flight_.push_back(*id);
  }
  const std::string& where() const override { return where_; }

 private:
  std::string url_;
  net::HttpClient& http_;
  std::string where_;
  std::vector<net::HttpClient::RequestId> in_flight_;
};

// One run of the owner's program. Kept alive by the completion callback's reference as long as
// GIO may still call it; `done` is cleared when its result no longer matters.
struct ProgramRun {
  GObjectPtr<GSubprocess> process;
  GObjectPtr<GCancellable> cancellable{g_cancellable_new()};
  Delivery::Done done;
  std::unique_ptr<live::Alarm> deadline;

  void report(const std::string& failure) {
    deadline.reset();
    if (!done) return;
    auto finish = std::move(done);
    done = nullptr;
    finish(failure);
  }
  void abandon() {
    done = nullptr;
    deadline.reset();
    g_cancellable_cancel(cancellable.get());
    if (process) g_subprocess_force_exit(process.get());
  }
};

std::string outcome(GSubprocess* process, const GError* error) {
  if (error) return std::string("the message could not be handed over: ") + error->message;
  if (g_subprocess_get_if_exited(process)) {
    const int status = g_subprocess_get_exit_status(process);
    return status == 0 ? std::string() : "exit status " + std::to_string(status);
  }
  if (g_subprocess_get_if_signaled(process)) {
    return "ended by signal " + std::to_string(g_subprocess_get_term_sig(process));
  }
  return "ended without an exit status";
}

void on_communicated(GObject* source, GAsyncResult* result, gpointer data) {
  const auto run = take_user_data<std::shared_ptr<ProgramRun>>(data);
  fault::contain("notify program finished", [&] {
    GError* raw = nullptr;
    g_subprocess_communicate_finish(G_SUBPROCESS(source), result, nullptr, nullptr, &raw);
    const GErrorPtr error(raw);
    if (error && g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_CANCELLED)) return;  // abandoned
    (*run)->report(outcome(G_SUBPROCESS(source), error.get()));
  });
}

class CommandDelivery final : public Delivery {
 public:
  CommandDelivery(std::vector<std::string> argv, live::Clock& clock, std::int64_t time_limit_ms)
      : argv_(std::move(argv)),
        clock_(clock),
        time_limit_ms_(time_limit_ms),
        where_(argv_.empty() ? std::string("(no program)") : std::filesystem::path(argv_.front()).filename().string()) {
  }
  ~CommandDelivery() override {
    for (const auto& run : runs_) run->abandon();
  }
  CommandDelivery(const CommandDelivery&) = delete;
  CommandDelivery& operator=(const CommandDelivery&) = delete;

  void deliver(const std::string& body, Done done) override {
    auto run = std::make_shared<ProgramRun>();
    runs_.insert(run);
    run->done = [this, raw = run.get(), done = std::move(done)](const std::string& failure) {
      std::erase_if(runs_, [raw](const auto& kept) { return kept.get() == raw; });
      done(failure);
    };
    std::vector<const gchar*> args;
    args.reserve(argv_.size() + 1);
    for (const auto& arg : argv_) args.push_back(arg.c_str());
    args.push_back(nullptr);
    GError* raw_error = nullptr;
    run->process.reset(g_subprocess_newv(
        args.data(),
        static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                      G_SUBPROCESS_FLAGS_STDERR_SILENCE),
        &raw_error));
    const GErrorPtr error(raw_error);
    ProgramRun* const target = run.get();
    if (!run->process) {
      // Told on the next loop iteration, as every other outcome: never inside deliver().
      const std::string failure =
          "could not start " + where_ + ": " + (error ? std::string(error->message) : std::string("unknown error"));
      run->deadline = clock_.after(0, [target, failure] { target->report(failure); });
      return;
    }
    run->deadline = clock_.after(time_limit_ms_, [this, target] {
      g_subprocess_force_exit(target->process.get());
      g_cancellable_cancel(target->cancellable.get());
      target->report("did not finish within " + std::to_string(time_limit_ms_ / 1000) + " s");
    });
    const GBytesPtr input(g_bytes_new(body.data(), body.size()));
    g_subprocess_communicate_async(run->process.get(), input.get(), run->cancellable.get(), on_communicated,
                                   to_user_data(run));
  }
  const std::string& where() const override { return where_; }

 private:
  std::vector<std::string> argv_;
  live::Clock& clock_;
  std::int64_t time_limit_ms_;
  std::string where_;
  std::set<std::shared_ptr<ProgramRun>> runs_;
};

}  // namespace

std::unique_ptr<Delivery> webhook_delivery(std::string url, net::HttpClient& http) {
  return std::make_unique<WebhookDelivery>(std::move(url), http);
}

std::unique_ptr<Delivery> command_delivery(std::vector<std::string> argv, live::Clock& clock,
                                           std::int64_t time_limit_ms) {
  return std::make_unique<CommandDelivery>(std::move(argv), clock, time_limit_ms);
}

}  // namespace agentcast::notify
