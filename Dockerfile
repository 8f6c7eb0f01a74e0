# mtxrelay: MediaMTX v1.20.1 plus our hook tools, in one image.
#
#   docker build -t mtxrelay .
#   docker run --rm -p 1935:1935 -p 8888:8888 -p 8889:8889 -p 8189:8189/udp \
#     -e CLOUD_API_URL=https://cloud.example.com -e CLOUD_API_TOKEN=... \
#     -e MTX_AUTHHTTPADDRESS=https://cloud.example.com/api/v1/streaming/validate \
#     -e RELAY_PUBLIC_HLS_BASE=https://relay1.example.com:8888 \
#     -e RELAY_PUBLIC_WEBRTC_BASE=https://relay1.example.com:8889 mtxrelay
#
# Every environment variable is described in docs/deploy.md.

############################
# Build: compile, run the unit tests, install into /opt/mtxrelay.
FROM debian:bookworm-slim AS build

WORKDIR /src
COPY . .
# scripts/deps.sh installs the build dependencies from Debian (apt-get update first).
RUN scripts/deps.sh
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" \
 && ctest --test-dir build -L unit --output-on-failure \
 && cmake --install build --prefix /opt/mtxrelay

############################
# Runtime: MediaMTX is the main process; our tools are its hooks.
FROM debian:bookworm-slim

# ffmpeg       run by relay-clean / relay-restream (libx264 included)
# libcurl4     cloud API client; libfmt9: formatting; libcpp-httplib0.11: relay-devcloud
# ca-certificates  rtmps:// to Cloudflare and https:// to the cloud
# tini         PID 1: forwards SIGTERM to MediaMTX and reaps anything orphaned
# curl         the health check (HEALTHCHECK, Kubernetes probes, preStop drain):
#              slim has no HTTP client, and curl costs little next to libcurl4,
#              which the image needs anyway.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ffmpeg ca-certificates tini curl libcurl4 libfmt9 libcpp-httplib0.11 \
 && rm -rf /var/lib/apt/lists/*

# The official image is FROM scratch with a static binary at /mediamtx.
COPY --from=bluenviron/mediamtx:1.20.1 /mediamtx /usr/local/bin/mediamtx
# Hooks are called by name: they must be on MediaMTX's PATH.
COPY --from=build /opt/mtxrelay/bin/ /usr/local/bin/
COPY mediamtx/mediamtx.yml mediamtx/mediamtx-direct.yml /etc/mtxrelay/

# Nothing is written to disk (HLS segments stay in memory); no root needed: all
# ports are above 1024.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/mtxrelay \
      --create-home --shell /usr/sbin/nologin mtxrelay \
 && install -d -o 10001 -g 10001 -m 0700 /run/mtxrelay
# The hooks' state documents, read by relay-status (installed with the other tools):
#   docker exec <container> relay-status            the table of every stream and destination
#   docker exec <container> relay-status --json     the same as JSON
# In Kubernetes a relay-status sidecar serves /metrics from the same directory
# (deploy/k8s/deployment.yaml mounts it as a shared emptyDir).
ENV RELAY_RUNTIME_DIR=/run/mtxrelay
USER 10001:10001
WORKDIR /var/lib/mtxrelay

# 1935 RTMP in; 8888 HLS; 8889 WebRTC (WHEP) signalling; 8189/udp WebRTC media.
# 9997 is the control API: it listens on 127.0.0.1 inside the container (see
# mediamtx.yml), so publishing it does nothing unless MTX_APIADDRESS moves it.
EXPOSE 1935/tcp 8888/tcp 8889/tcp 8189/udp 9997/tcp

HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["curl", "-fsS", "--max-time", "3", "-o", "/dev/null", "http://127.0.0.1:9997/v3/info"]

# docker stop sends SIGTERM to tini, tini to MediaMTX; MediaMTX closes every path and
# sends SIGINT to each hook, which stops its ffmpeg children and exits. Give it time:
# `docker stop -t 30`, compose stop_grace_period, Kubernetes terminationGracePeriodSeconds.
STOPSIGNAL SIGTERM
# The config is the argument, so the direct mode is:
#   docker run ... mtxrelay /etc/mtxrelay/mediamtx-direct.yml
ENTRYPOINT ["/usr/bin/tini", "--", "mediamtx"]
CMD ["/etc/mtxrelay/mediamtx.yml"]
