#include "http/transport.hpp"

#include "core/strings.hpp"

#include <curl/curl.h>

#include <array>
#include <memory>
#include <mutex>

namespace mtxrelay::http {

namespace {

struct Transfer {
    const Request* request = nullptr;
    Response response;
    bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user)
{
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    if (transfer->response.body.size() + bytes > transfer->request->max_body_bytes) {
        transfer->too_large = true;
        return 0; // aborts the transfer with CURLE_WRITE_ERROR
    }
    transfer->response.body.append(data, bytes);
    return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user)
{
    auto* transfer = static_cast<Transfer*>(user);
    const std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        transfer->response.headers.clear(); // a new response after a redirect
        return size * count;
    }
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
        transfer->response.headers[core::to_lower(core::trim(line.substr(0, colon)))] =
            std::string(core::trim(line.substr(colon + 1)));
    }
    return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    const auto* transfer = static_cast<Transfer*>(user);
    return transfer->request->cancelled && transfer->request->cancelled() ? 1 : 0;
}

TransportError classify(CURLcode code)
{
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return TransportError::connect;
    case CURLE_OPERATION_TIMEDOUT:
        return TransportError::timeout;
    case CURLE_ABORTED_BY_CALLBACK:
        return TransportError::cancelled;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
        return TransportError::connect;
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_WEIRD_SERVER_REPLY:
        return TransportError::protocol;
    default:
        return TransportError::other;
    }
}

// How often a transfer in progress looks at its cancel predicate: a stop signal ends a hung
// call within this time, whatever the transfer waits on (DNS, connect, a silent server).
constexpr int k_cancel_poll_ms = 50;

// curl_easy_perform only calls the progress callback about once a second while a server is
// silent; the multi interface wakes every k_cancel_poll_ms.
CURLcode run(CURL* easy, const Request& request)
{
    std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(), &curl_multi_cleanup);
    if (!multi || curl_multi_add_handle(multi.get(), easy) != CURLM_OK) {
        return curl_easy_perform(easy);
    }
    CURLcode result = CURLE_OK;
    int running = 1;
    while (running > 0) {
        if (request.cancelled && request.cancelled()) {
            result = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
            result = CURLE_FAILED_INIT;
            break;
        }
        if (running > 0 && curl_multi_poll(multi.get(), nullptr, 0, k_cancel_poll_ms, nullptr) != CURLM_OK) {
            result = CURLE_FAILED_INIT;
            break;
        }
    }
    int left = 0;
    while (const CURLMsg* message = curl_multi_info_read(multi.get(), &left)) {
        if (message->msg == CURLMSG_DONE && message->easy_handle == easy && result == CURLE_OK) {
            result = message->data.result;
        }
    }
    curl_multi_remove_handle(multi.get(), easy);
    return result;
}

} // namespace

// libcurl's share interface for cookies, with the locks it needs when the transport is used
// from more than one thread.
struct CurlTransport::CookieShare {
    CURLSH* handle = nullptr;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user)
    {
        static_cast<CookieShare*>(user)->locks.at(static_cast<size_t>(data)).lock();
    }
    static void unlock(CURL*, curl_lock_data data, void* user)
    {
        static_cast<CookieShare*>(user)->locks.at(static_cast<size_t>(data)).unlock();
    }
};

CurlTransport::CurlTransport() : m_cookies(std::make_unique<CookieShare>())
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_cookies->handle = curl_share_init();
    if (m_cookies->handle != nullptr) {
        curl_share_setopt(m_cookies->handle, CURLSHOPT_LOCKFUNC, &CookieShare::lock);
        curl_share_setopt(m_cookies->handle, CURLSHOPT_UNLOCKFUNC, &CookieShare::unlock);
        curl_share_setopt(m_cookies->handle, CURLSHOPT_USERDATA, m_cookies.get());
        curl_share_setopt(m_cookies->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    }
}

CurlTransport::~CurlTransport()
{
    if (m_cookies->handle != nullptr) {
        curl_share_cleanup(m_cookies->handle);
    }
}

Outcome CurlTransport::perform(const Request& request)
{
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) {
        return {std::nullopt, TransportError::other, "curl_easy_init failed"};
    }
    Transfer transfer;
    transfer.request = &request;
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, request.max_redirects > 0 ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(request.max_redirects));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_body_bytes));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mtxrelay/0.1");
    if (request.cookies) {
        curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
        if (m_cookies->handle != nullptr) {
            curl_easy_setopt(h, CURLOPT_SHARE, m_cookies->handle);
        }
    }
    if (request.method == "POST" || request.method == "PUT") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    } else if (request.method != "GET") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_slist* header_list = nullptr;
    for (const auto& [name, value] : request.headers) {
        header_list = curl_slist_append(header_list, (name + ": " + value).c_str());
    }
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_guard(header_list, &curl_slist_free_all);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list);

    const CURLcode code = run(h, request);
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        return {std::nullopt, TransportError::cancelled, "interrupted"};
    }
    if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        return {std::nullopt, TransportError::too_large,
                "response body larger than " + std::to_string(request.max_body_bytes) + " bytes"};
    }
    if (code != CURLE_OK) {
        return {std::nullopt, classify(code), curl_easy_strerror(code)};
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &transfer.response.status);
    char* effective = nullptr;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective != nullptr) {
        transfer.response.effective_url = effective;
    }
    return {std::move(transfer.response), TransportError::none, {}};
}

} // namespace mtxrelay::http
