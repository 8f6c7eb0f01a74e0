#include "devcloud/server.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "devcloud/validate.hpp"

#include <httplib.h>

#include <fmt/format.h>

#include <atomic>
#include <thread>

namespace mtxrelay::devcloud {

using nlohmann::json;

namespace {

void reply_json(httplib::Response& res, int status, const json& body)
{
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message)
{
    reply_json(res, status, {{"error", message}});
}

bool has_bearer(const httplib::Request& req, const std::string& token)
{
    return token.empty() || req.get_header_value("Authorization") == "Bearer " + token;
}

// Checks the required string fields of a POSTed event; returns the problem or "".
std::string check_event(const json& body, const std::vector<std::string>& required)
{
    if (!body.is_object()) {
        return "body must be a JSON object";
    }
    for (const auto& field : required) {
        if (!body.contains(field) || !body[field].is_string() || body[field].get<std::string>().empty()) {
            return fmt::format("field '{}' must be a non-empty string", field);
        }
    }
    return {};
}

} // namespace

struct DevCloudServer::Impl {
    DevCloudState& state;
    httplib::Server server;
    std::atomic<bool> stopping{false};

    explicit Impl(DevCloudState& s) : state(s) {}

    void apply_fault(const FaultResponse& fault, httplib::Response& res)
    {
        for (int waited = 0; waited < fault.hang_ms && !stopping; waited += 50) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        res.status = fault.status;
        for (const auto& [name, value] : fault.headers) {
            res.set_header(name, value);
        }
        if (fault.body_bytes > 0) {
            res.set_content("{\"url\":\"" + std::string(fault.body_bytes, 'x') + "\"}", "application/json");
        } else if (fault.body) {
            res.set_content(*fault.body, "application/json");
        } else {
            res.set_content(json{{"error", "fault injected"}}.dump(), "application/json");
        }
    }

    void routes()
    {
        server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            const bool admin = req.path.rfind("/admin/", 0) == 0;
            const bool api = req.path.rfind("/api/", 0) == 0 && req.path != "/api/v1/streaming/validate";
            if ((admin && !has_bearer(req, state.admin_token())) || (api && !has_bearer(req, state.token()))) {
                reply_error(res, 401, "missing or wrong bearer token");
                return httplib::Server::HandlerResponse::Handled;
            }
            if (api) {
                if (const auto fault = state.take_fault(req.path)) {
                    apply_fault(*fault, res);
                    return httplib::Server::HandlerResponse::Handled;
                }
            }
            return httplib::Server::HandlerResponse::Unhandled;
        });
        server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            state.record_request(req.method, req.path, res.status);
            core::log::info("{} {} -> {}", req.method, req.path, res.status);
        });

        server.Get(R"(/api/relay/cf-url/([^/]+)/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
            const auto stream = state.stream(req.matches[1], req.matches[2]);
            if (!stream || stream->cf_url.empty()) {
                reply_error(res, 404, "unknown stream");
                return;
            }
            reply_json(res, 200, {{"url", stream->cf_url}});
        });
        server.Get(R"(/api/rtmp-relay/restream-destinations/([^/]+)/([^/]+))",
                   [this](const httplib::Request& req, httplib::Response& res) {
                       const auto stream = state.stream(req.matches[1], req.matches[2]);
                       if (!stream) {
                           reply_error(res, 404, "unknown stream");
                           return;
                       }
                       reply_json(res, 200, {{"destinations", stream->destinations}});
                   });
        server.Post("/api/rtmp-relay/hls-ready", [this](const httplib::Request& req, httplib::Response& res) {
            record_event(req, res, "hls-ready", {"userId", "streamId", "hlsUrl"});
        });
        server.Post("/api/rtmp-relay/stream-status", [this](const httplib::Request& req, httplib::Response& res) {
            record_event(req, res, "stream-status", {"userId", "streamId", "status"});
        });
        server.Post("/api/v1/streaming/validate", [this](const httplib::Request& req, httplib::Response& res) {
            const auto decision = validate_publisher(state, req.body);
            state.record_event("validate", validate_record(req.body, decision));
            reply_json(res, decision.allowed ? 200 : 401, {{"allowed", decision.allowed}, {"reason", decision.reason}});
        });
        server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
            reply_json(res, 200, {{"ok", true}});
        });
        admin_routes();
    }

    void record_event(const httplib::Request& req, httplib::Response& res, const std::string& type,
                      const std::vector<std::string>& required)
    {
        const json body = json::parse(req.body, nullptr, false);
        auto problem = body.is_discarded() ? std::string("body is not valid JSON") : check_event(body, required);
        if (problem.empty() && type == "stream-status") {
            const auto status = body["status"].get<std::string>();
            if (status != "active" && status != "error" && status != "stopped") {
                problem = "field 'status' must be active, error or stopped";
            }
        }
        if (!problem.empty()) {
            reply_error(res, 400, problem);
            return;
        }
        state.record_event(type, body);
        reply_json(res, 200, {{"ok", true}});
    }

    void admin_routes()
    {
        server.Get("/admin/events", [this](const httplib::Request& req, httplib::Response& res) {
            reply_json(res, 200, state.events(req.get_param_value("type")));
        });
        server.Get("/admin/requests",
                   [this](const httplib::Request&, httplib::Response& res) { reply_json(res, 200, state.requests()); });
        server.Delete("/admin/records", [this](const httplib::Request&, httplib::Response& res) {
            state.clear_records();
            reply_json(res, 200, {{"ok", true}});
        });
        server.Put(R"(/admin/streams/([^/]+)/([^/]+)/destinations)",
                   [this](const httplib::Request& req, httplib::Response& res) {
                       const json body = json::parse(req.body, nullptr, false);
                       if (body.is_discarded() || !body.is_object() || !body.contains("destinations") ||
                           !body["destinations"].is_array()) {
                           reply_error(res, 400, "body must be {\"destinations\": [...]}");
                           return;
                       }
                       state.set_destinations(req.matches[1], req.matches[2], body["destinations"]);
                       reply_json(res, 200, {{"ok", true}});
                   });
        server.Post("/admin/faults", [this](const httplib::Request& req, httplib::Response& res) {
            const json body = json::parse(req.body, nullptr, false);
            if (body.is_discarded() || !body.is_object() || !body.contains("path_prefix") ||
                !body["path_prefix"].is_string() || !body.contains("responses") || !body["responses"].is_array()) {
                reply_error(res, 400, "body must be {\"path_prefix\": \"/api/...\", \"responses\": [...]}");
                return;
            }
            std::vector<FaultResponse> faults;
            for (const auto& item : body["responses"]) {
                auto fault = parse_fault(item);
                if (!fault) {
                    reply_error(res, 400, fault.error().message);
                    return;
                }
                faults.push_back(fault.value());
            }
            state.add_faults(body["path_prefix"].get<std::string>(), std::move(faults));
            reply_json(res, 200, {{"ok", true}});
        });
    }
};

DevCloudServer::DevCloudServer(DevCloudState& state) : m_impl(std::make_unique<Impl>(state))
{
    m_impl->routes();
    m_impl->server.set_payload_max_length(1024 * 1024);
    m_impl->server.set_read_timeout(5, 0);
}

DevCloudServer::~DevCloudServer()
{
    stop();
}

int DevCloudServer::bind(const std::string& host, int port)
{
    const int bound =
        port == 0 ? m_impl->server.bind_to_any_port(host) : (m_impl->server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        throw core::Error(
            core::ExitCode::failure,
            fmt::format("cannot listen on {}:{}: the port is busy or the address is not local", host, port));
    }
    return bound;
}

void DevCloudServer::serve()
{
    m_impl->server.listen_after_bind();
}

void DevCloudServer::stop()
{
    m_impl->stopping = true;
    m_impl->server.stop();
}

} // namespace mtxrelay::devcloud
