# syntax=docker/dockerfile:1
# The bridge as a container image: the binary compiled by `deno compile` on the build platform
# (cross-compiled for the target architecture), on a minimal glibc base, run as a non-root user.
#
#   docker build -t mcp-streamablehttp-client .
#   docker run -i --rm -e MCP_SERVER_URL=https://mcp.example.com/mcp \
#     -v mcp-streamablehttp-client:/config mcp-streamablehttp-client
#
# State files (tokens, client registration) live in the /config volume; a .env in /app (the
# working directory) is read as by the program anywhere else.

ARG DENO_VERSION=2.9.6

FROM --platform=$BUILDPLATFORM denoland/deno:${DENO_VERSION} AS build
ARG TARGETARCH
WORKDIR /src
COPY deno.json deno.lock main.ts ./
COPY lib/ lib/
RUN case "${TARGETARCH:-amd64}" in \
      amd64) target=x86_64-unknown-linux-gnu ;; \
      arm64) target=aarch64-unknown-linux-gnu ;; \
      *) echo "Unsupported architecture: ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && deno task bundle \
 && deno compile --no-check --frozen -P=bridge --v8-flags=--max-semi-space-size=8 --target "$target" \
      --output /out/mcp-streamablehttp-client dist/bundle/main.js \
 && mkdir -p /out/config /out/app

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/mcp-streamablehttp-client /usr/local/bin/mcp-streamablehttp-client
COPY --from=build --chown=65532:65532 /out/config /config
COPY --from=build --chown=65532:65532 /out/app /app
ENV XDG_CONFIG_HOME=/config
WORKDIR /app
VOLUME ["/config"]
USER nonroot
ENTRYPOINT ["/usr/local/bin/mcp-streamablehttp-client"]
