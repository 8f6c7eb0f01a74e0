#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace mtxrelay::core {

// Process exit codes shared by every tool; documented in --help and docs/operations.md.
enum class ExitCode : int {
    ok = 0,
    failure = 1,
    usage = 2,
    not_found = 3,
    auth_refused = 4,
    unreachable = 5,
    bad_response = 6,
    input_unreadable = 7, // relay-inspect: the input cannot be read
    probe_failed = 8,     // relay-inspect: ffprobe missing or its output unusable
    interrupted = 130,
};

// What kind of thing went wrong, so callers can map a failure to an exit code or a retry.
enum class ErrorKind {
    invalid,      // bad input or configuration
    not_found,    // the cloud does not know the stream
    auth,         // credentials refused
    unreachable,  // network failure, timeout, 5xx after retries
    bad_response, // the peer answered something we cannot use
    interrupted,  // SIGINT/SIGTERM arrived while waiting
    failed,       // anything else
};

ExitCode exit_code_for(ErrorKind kind);

// A recoverable failure: what went wrong and, where useful, what to do next.
struct Failure {
    ErrorKind kind = ErrorKind::failed;
    std::string message;
};

// The one exception hierarchy: thrown only when this run cannot continue; caught in main.
class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    ExitCode code() const { return m_code; }

private:
    ExitCode m_code;
};

// Bad flags, environment or configuration (exit 2).
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

// A value or the Failure explaining why there is none.
template <class T>
class Result {
public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Failure failure) : m_state(std::move(failure)) {}

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<T>(m_state); }
    const T& value() const { return std::get<T>(m_state); }
    const Failure& error() const { return std::get<Failure>(m_state); }

private:
    std::variant<T, Failure> m_state;
};

// Throws Error with the exit code matching the failure's kind.
[[noreturn]] void raise(const Failure& failure);

} // namespace mtxrelay::core
