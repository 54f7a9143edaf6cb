#include "retake/chat_cursor.hpp"

#include <algorithm>

namespace agentcast::retake {
namespace {

constexpr std::size_t kRememberedIds = 4096;
// A burst deeper than this many pages is shown from what was fetched; the rest is older
// than anyone watching will miss.
constexpr std::size_t kMaxPagesBack = 10;

std::optional<std::int64_t> numeric_id(const std::string& id) {
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(id);
}

// Oldest first: by numeric id when both have one (chat_event_id grows monotonically), else by
// timestamp, else keep the order they came in.
void sort_oldest_first(std::vector<retake::ChatComment>& comments) {
  std::stable_sort(comments.begin(), comments.end(), [](const auto& a, const auto& b) {
    const auto ia = numeric_id(a.id);
    const auto ib = numeric_id(b.id);
    if (ia && ib) return *ia < *ib;
    if (a.timestamp_ms && b.timestamp_ms) return *a.timestamp_ms < *b.timestamp_ms;
    return false;
  });
}

}  // namespace

ChatCursor::ChatCursor(std::size_t page_limit, std::string own_user_id)
    : page_limit_(page_limit), own_user_id_(std::move(own_user_id)) {}

bool ChatCursor::seen(const retake::ChatComment& comment) const {
  if (seen_ids_.contains(comment.id)) return true;
  const auto numeric = numeric_id(comment.id);
  return numeric && highest_numeric_id_ && *numeric <= *highest_numeric_id_;
}

void ChatCursor::remember(const std::string& id) {
  if (const auto numeric = numeric_id(id))
    highest_numeric_id_ = std::max(highest_numeric_id_.value_or(*numeric), *numeric);
  if (!seen_ids_.insert(id).second) return;
  seen_order_.push_back(id);
  if (seen_order_.size() > kRememberedIds) {
    seen_ids_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
}

ChatCursor::Step ChatCursor::accept(std::vector<retake::ChatComment> page) {
  sort_oldest_first(page);
  if (!primed_) {
    for (const auto& comment : page) remember(comment.id);
    primed_ = true;
    return {};
  }
  const std::string oldest_id = page.empty() ? std::string() : page.front().id;
  std::size_t unseen = 0;
  for (auto& comment : page) {
    const bool already_pending =
        std::any_of(pending_.begin(), pending_.end(), [&](const auto& p) { return p.id == comment.id; });
    if (seen(comment) || already_pending) continue;
    ++unseen;
    pending_.push_back(std::move(comment));
  }
  const bool all_unseen_full_page = !page.empty() && unseen == page.size() && page.size() >= page_limit_;
  if (all_unseen_full_page && pending_.size() < kMaxPagesBack * page_limit_) {
    return {{}, oldest_id};
  }
  return release_pending();
}

ChatCursor::Step ChatCursor::release_pending() {
  Step step;
  sort_oldest_first(pending_);
  for (auto& comment : pending_) {
    remember(comment.id);
    if (!own_user_id_.empty() && comment.author_id == own_user_id_) continue;  // our own replies
    step.fresh.push_back(std::move(comment));
  }
  pending_.clear();
  return step;
}

}  // namespace agentcast::retake
