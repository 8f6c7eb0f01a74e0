// A stand-in for ffmpeg in unit tests: sleeps, optionally ignores SIGINT/SIGTERM, prints
// ffmpeg-like -progress blocks on stdout and log lines on stderr, spawns a grandchild, and
// exits with a chosen code. Flags: --sleep S --exit N --ignore-int --ignore-term
// --progress (a block every 100 ms) --stderr TEXT --grandchild --pidfile FILE
// --print-env (its whole environment on stdout, one NAME=value per line)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv)
{
    double sleep_seconds = 0;
    int exit_code = 0;
    bool progress = false;
    bool grandchild = false;
    const char* pidfile = nullptr;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const char* next = i + 1 < argc ? argv[i + 1] : "";
        if (arg == "--sleep") {
            sleep_seconds = std::atof(next);
            ++i;
        } else if (arg == "--exit") {
            exit_code = std::atoi(next);
            ++i;
        } else if (arg == "--ignore-int") {
            std::signal(SIGINT, SIG_IGN);
        } else if (arg == "--ignore-term") {
            std::signal(SIGTERM, SIG_IGN);
        } else if (arg == "--progress") {
            progress = true;
        } else if (arg == "--stderr") {
            std::fprintf(stderr, "%s\n", next);
            std::fflush(stderr);
            ++i;
        } else if (arg == "--grandchild") {
            grandchild = true;
        } else if (arg == "--print-env") {
            for (char** entry = environ; *entry != nullptr; ++entry) {
                std::printf("%s\n", *entry);
            }
            std::fflush(stdout);
        } else if (arg == "--pidfile") {
            pidfile = next;
            ++i;
        }
    }
    if (grandchild) {
        const pid_t pid = fork();
        if (pid == 0) {
            std::signal(SIGINT, SIG_IGN);
            std::signal(SIGTERM, SIG_IGN);
            for (int i = 0; i < 600; ++i) {
                usleep(100000);
            }
            _exit(0);
        }
        if (pidfile != nullptr) {
            FILE* f = std::fopen(pidfile, "w");
            if (f != nullptr) {
                std::fprintf(f, "%d\n", static_cast<int>(pid));
                std::fclose(f);
            }
        }
    }
    const int steps = static_cast<int>(sleep_seconds * 10);
    for (int i = 0; i < steps; ++i) {
        if (progress) {
            std::printf("frame=%d\nfps=30.0\nbitrate=2500.0kbits/s\ntotal_size=%d\nout_time_us=%d\n"
                        "dup_frames=0\ndrop_frames=0\nspeed=1.0x\nprogress=continue\n",
                        i * 3, i * 31250, i * 100000);
            std::fflush(stdout);
        }
        usleep(100000);
    }
    return exit_code;
}
