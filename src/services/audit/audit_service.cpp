#include "services/audit/audit_service.hpp"

#include <utility>
#include <variant>

#include "core/time.hpp"
#include "runtime/auth/request_auth.hpp"
#include "runtime/http/problem.hpp"
#include "runtime/pubsub/processed_events.hpp"
#include "services/audit/audit_event.hpp"
#include "services/audit/audit_repository.hpp"

namespace todoai::audit {

AuditService::AuditService(store::Database& db, const Clock& clock, pubsub::MarkerStore* markers)
    : db_(db), clock_(clock), markers_(markers) {}

std::span<const store::Migration> AuditService::migrations() { return audit_migrations(); }

void AuditService::subscribe(pubsub::Bus& bus, const pubsub::Topics& topics) {
    for (auto topic : topics.all())
        bus.subscribe_batch(topic, kServiceName,
                            [this](std::span<const pubsub::Message> batch) { return handle_batch(batch); });
}

pubsub::HandlerResult AuditService::handle(const pubsub::Message& message) {
    return std::move(handle_batch(std::span<const pubsub::Message>(&message, 1)).front());
}

std::vector<pubsub::HandlerResult> AuditService::handle_batch(std::span<const pubsub::Message> batch) {
    std::vector<pubsub::HandlerResult> results(batch.size());
    std::vector<AuditRecord> records;
    records.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto parsed = parse_audit_event(batch[i].payload);
        if (auto* why = std::get_if<std::string>(&parsed))
            results[i] = pubsub::HandlerResult::drop(std::move(*why));
        else
            records.push_back(std::move(std::get<AuditRecord>(parsed)));
    }
    if (records.empty()) return results;  // nothing to store: a malformed event is DROP even while the store is down
    std::vector<std::string> ids;
    ids.reserve(records.size());
    for (const auto& record : records) ids.push_back(record.event_id);
    std::vector<bool> claimed;
    if (markers_ != nullptr) {
        try {
            claimed = markers_->claim(ids, kServiceName);
        } catch (const std::exception& e) {
            return std::vector<pubsub::HandlerResult>(
                batch.size(), pubsub::HandlerResult::retry(std::string("audit markers: ") + e.what()));
        }
    }
    std::vector<std::string> claimed_outside;  // released again when the transaction fails
    try {
        const auto now = format_rfc3339(clock_.now());
        auto tx = db_.begin(store::Database::Access::write);
        if (markers_ == nullptr) claimed = pubsub::claim_events(*tx, ids, kServiceName, now);
        std::vector<const AuditRecord*> fresh;
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (!claimed[i]) continue;  // processed already (a redelivery, or twice here)
            fresh.push_back(&records[i]);
            if (markers_ != nullptr) claimed_outside.push_back(ids[i]);
        }
        insert_records(*tx, fresh, now);
        if (!fresh.empty()) tx->commit();  // else rolled back on destruction
    } catch (const store::StoreError& e) {
        // The transaction did not commit: nothing of the batch is stored, the bus retries all of it.
        if (markers_ != nullptr) markers_->release(claimed_outside, kServiceName);
        return std::vector<pubsub::HandlerResult>(batch.size(), pubsub::retry_for(e, "audit store: "));
    }
    return results;
}

http::JsonPage AuditService::list_page(std::string_view user_id, const AuditQuery& query) {
    AuditPage page;
    try {
        auto tx = db_.begin(store::Database::Access::read);
        page = list_records(*tx, user_id, query);
    } catch (const store::StoreError& e) {
        if (e.kind() == store::StoreError::Kind::unavailable)
            throw http::HttpError(503, "the audit store is unavailable; try again");
        throw;
    }
    std::size_t size = 2;
    for (const auto& item : page.items) size += item.size() + 1;
    http::JsonPage out;
    out.array.clear();
    out.array.reserve(size);
    out.array += '[';
    for (std::size_t i = 0; i < page.items.size(); ++i) {
        if (i) out.array += ',';
        out.array += page.items[i];
    }
    out.array += ']';
    if (page.next_before_seq) out.next_cursor = encode_cursor(*page.next_before_seq);
    return out;
}

void AuditService::register_routes(http::Router& router, const auth::JwtCodec& jwt) {
    auth::add_user_route(
        router, http::Method::get, "/audit",
        [this, &jwt](http::Request& req) {
            auto user = auth::authorize_path_user(req, jwt);
            auto query = parse_audit_query(req);
            if (auto* errors = std::get_if<FieldErrors>(&query))
                throw http::HttpError(422, "invalid audit query parameters", std::move(*errors));
            return http::page_response(req, list_page(user, std::get<AuditQuery>(query)));
        },
        jwt);
}

}  // namespace todoai::audit
