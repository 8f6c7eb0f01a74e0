#include "devcloud/server.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "devcloud/connection_pool.hpp"
#include "devcloud/validate.hpp"

#include <httplib.h>

#include <fmt/format.h>

#include <atomic>
#include <regex>
#include <thread>

namespace mtxrelay::devcloud {

using nlohmann::json;

namespace {

constexpr size_t k_max_body_bytes = 1024 * 1024;
// Open connections served at once, each on its own thread; more wait for a free one.
constexpr size_t k_max_connections = 1024;
constexpr time_t k_read_timeout_s = 5;
constexpr time_t k_keep_alive_timeout_s = 5;

void reply_json(httplib::Response& res, int status, const json& body)
{
    res.status = status;
    res.set_content(core::dump_json(body), "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message)
{
    reply_json(res, status, {{"error", message}});
}

bool has_bearer(const httplib::Request& req, const std::string& token)
{
    return token.empty() || core::constant_time_equals(req.get_header_value("Authorization"), "Bearer " + token);
}

// Reads the request body (Content-Length or chunked) up to the cap. On failure the answer is
// already set (413 or 400) and the connection is closed after it: the rest of the body is
// never read, so it must not be taken for the next request.
bool receive(const httplib::ContentReader& reader, httplib::Response& res, std::string& body)
{
    bool too_large = false;
    const bool complete = reader([&](const char* data, size_t length) {
        if (body.size() + length > k_max_body_bytes) {
            too_large = true;
            return false;
        }
        body.append(data, length);
        return true;
    });
    if (complete && !too_large) {
        return true;
    }
    if (too_large || res.status == 413) {
        reply_error(res, 413, fmt::format("request body larger than {} bytes", k_max_body_bytes));
    } else {
        reply_error(res, 400, "request body could not be read");
    }
    res.set_header("Connection", "close");
    return false;
}

// Parses a JSON request body with the depth and size limits; the problem, or "".
std::string parse_body(const std::string& body, json& out)
{
    auto parsed = core::parse_json(body, {64, k_max_body_bytes});
    if (!parsed) {
        return "body is " + parsed.error().message;
    }
    out = std::move(parsed.value());
    return {};
}

// Reads and parses a JSON request body; false when the answer (413 or 400) is already set.
bool receive_json(const httplib::ContentReader& reader, httplib::Response& res, json& body)
{
    std::string text;
    if (!receive(reader, res, text)) {
        return false;
    }
    if (const auto problem = parse_body(text, body); !problem.empty()) {
        reply_error(res, 400, problem);
        return false;
    }
    return true;
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

// The routes that read a body, each through receive(). A chunked body sent anywhere else would
// be read by cpp-httplib without any limit: it is refused before it is read.
const std::vector<std::pair<std::string, std::regex>>& body_routes()
{
    static const std::vector<std::pair<std::string, std::regex>> k_routes = {
        {"POST", std::regex("/api/rtmp-relay/hls-ready")},
        {"POST", std::regex("/api/rtmp-relay/stream-status")},
        {"POST", std::regex("/api/v1/streaming/validate")},
        {"POST", std::regex("/admin/faults")},
        {"PUT", std::regex(R"(/admin/streams/([^/]+)/([^/]+)/destinations)")},
    };
    return k_routes;
}

bool reads_body_itself(const httplib::Request& req)
{
    for (const auto& [method, pattern] : body_routes()) {
        if (req.method == method && std::regex_match(req.path, pattern)) {
            return true;
        }
    }
    return false;
}

} // namespace

struct DevCloudServer::Impl {
    DevCloudState& state;
    httplib::Server server;
    std::atomic<bool> stopping{false};
    int port = 0;

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
            res.set_content(core::dump_json(json{{"error", "fault injected"}}), "application/json");
        }
    }

    httplib::Server::HandlerResponse pre_route(const httplib::Request& req, httplib::Response& res)
    {
        const bool admin = req.path.rfind("/admin/", 0) == 0;
        const bool api = req.path.rfind("/api/", 0) == 0 && req.path != "/api/v1/streaming/validate";
        if (req.has_header("Transfer-Encoding") && !reads_body_itself(req)) {
            reply_error(res, 413, "a chunked body is not accepted here");
            res.set_header("Connection", "close");
            return httplib::Server::HandlerResponse::Handled;
        }
        if ((admin && !has_bearer(req, state.admin_token())) || (api && !has_bearer(req, state.token()))) {
            reply_error(res, 401, "missing or wrong bearer token");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (api) {
            if (const auto fault = state.take_fault(req.path)) {
                if (!fault->then_handle) {
                    apply_fault(*fault, res);
                    return httplib::Server::HandlerResponse::Handled;
                }
                // A slow cloud that still does the work: wait, then let the route answer.
                for (int waited = 0; waited < fault->hang_ms && !stopping; waited += 50) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                }
            }
        }
        return httplib::Server::HandlerResponse::Unhandled;
    }

    void routes()
    {
        server.set_pre_routing_handler(
            [this](const httplib::Request& req, httplib::Response& res) { return pre_route(req, res); });
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
        server.Post("/api/rtmp-relay/hls-ready",
                    [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                        record_event(req, res, reader, "hls-ready", {"userId", "streamId", "hlsUrl"});
                    });
        server.Post("/api/rtmp-relay/stream-status",
                    [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                        record_event(req, res, reader, "stream-status", {"userId", "streamId", "status"});
                    });
        server.Post("/api/v1/streaming/validate", [this](const httplib::Request&, httplib::Response& res,
                                                         const httplib::ContentReader& reader) {
            std::string body;
            if (!receive(reader, res, body)) {
                return;
            }
            const auto decision = validate_publisher(state, body);
            state.record_event("validate", validate_record(body, decision));
            reply_json(res, decision.allowed ? 200 : 401, {{"allowed", decision.allowed}, {"reason", decision.reason}});
        });
        server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
            reply_json(res, 200, {{"ok", true}});
        });
        admin_routes();
    }

    void record_event(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                      const std::string& type, const std::vector<std::string>& required)
    {
        json body;
        if (!receive_json(reader, res, body)) {
            return;
        }
        auto problem = check_event(body, required);
        if (problem.empty() && type == "stream-status") {
            const auto status = body["status"].get<std::string>();
            if (status != "active" && status != "error" && status != "stopped") {
                problem = "field 'status' must be active, error or stopped";
            }
        }
        const auto key = req.get_header_value("Idempotency-Key");
        if (problem.empty() && key.size() > 200) {
            problem = "Idempotency-Key is longer than 200 characters";
        }
        if (!problem.empty()) {
            reply_error(res, 400, problem);
            return;
        }
        const bool recorded = state.record_event(type, body, key);
        reply_json(res, 200, {{"ok", true}, {"duplicate", !recorded}});
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
                   [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                       json body;
                       if (!receive_json(reader, res, body)) {
                           return;
                       }
                       if (!body.is_object() || !body.contains("destinations") || !body["destinations"].is_array()) {
                           reply_error(res, 400, "body must be {\"destinations\": [...]}");
                           return;
                       }
                       state.set_destinations(req.matches[1], req.matches[2], body["destinations"]);
                       reply_json(res, 200, {{"ok", true}});
                   });
        server.Post("/admin/faults",
                    [this](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader) {
                        json body;
                        if (receive_json(reader, res, body)) {
                            add_faults(body, res);
                        }
                    });
    }

    void add_faults(const json& body, httplib::Response& res)
    {
        if (!body.is_object() || !body.contains("path_prefix") || !body["path_prefix"].is_string() ||
            !body.contains("responses") || !body["responses"].is_array()) {
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
    }
};

DevCloudServer::DevCloudServer(DevCloudState& state) : m_impl(std::make_unique<Impl>(state))
{
    m_impl->routes();
    m_impl->server.set_payload_max_length(k_max_body_bytes);
    m_impl->server.set_read_timeout(k_read_timeout_s, 0);
    m_impl->server.set_write_timeout(k_read_timeout_s, 0);
    m_impl->server.set_keep_alive_timeout(k_keep_alive_timeout_s);
    m_impl->server.new_task_queue = [] { return new ConnectionPool(k_max_connections); };
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
    m_impl->port = bound;
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
    if (m_impl->port > 0) {
        shutdown_connections_on_port(m_impl->port); // idle clients must not hold the exit
    }
}

} // namespace mtxrelay::devcloud
