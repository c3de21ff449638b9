#!/bin/sh
# Installs mcp-streamablehttp-client from the project's GitHub releases.
#
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh
#
# Environment:
#   MCP_SHC_VERSION        release to install, e.g. 0.1.0 or v0.1.0 (default: the latest release)
#   MCP_SHC_INSTALL_DIR    where to put the binary (default: ~/.local/bin)
#   MCP_SHC_DOWNLOAD_BASE  releases base URL, for mirrors and tests
#                          (default: https://github.com/$MCP_SHC_REPO/releases); the assets are read
#                          from BASE/latest/download/ASSET or BASE/download/vVERSION/ASSET
#   MCP_SHC_REPO           GitHub repository OWNER/NAME (default below)
#
# The binary is installed only when its SHA-256 matches the release's SHA256SUMS.
set -eu

PROGRAM=mcp-streamablehttp-client
REPO="${MCP_SHC_REPO:-mcp-streamablehttp-client/mcp-streamablehttp-client}"

fail() {
  printf 'install.sh: %s\n' "$1" >&2
  exit 1
}

detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    arm64 | aarch64) arch=aarch64 ;;
    *) fail "Unsupported architecture: \"$arch\" (releases exist for x86_64 and aarch64)" ;;
  esac
  case "$os" in
    Linux)
      if [ -e /etc/alpine-release ] || { command -v ldd >/dev/null 2>&1 && ldd --version 2>&1 | grep -qi musl; }; then
        fail "This Linux uses musl libc; the release binaries need glibc (use the Docker image or run from source)"
      fi
      echo "${arch}-unknown-linux-gnu"
      ;;
    Darwin)
      # An x86_64 shell under Rosetta on Apple silicon still gets the native binary.
      if [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
        arch=aarch64
      fi
      echo "${arch}-apple-darwin"
      ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      fail "On Windows, run install.ps1 in PowerShell instead"
      ;;
    *) fail "Unsupported operating system: \"$os\"" ;;
  esac
}

download() {
  # download URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --proto '=https,http' --output "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget --quiet --output-document="$2" "$1"
  else
    fail "Neither curl nor wget is installed"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    fail "No SHA-256 tool found (sha256sum, shasum or openssl)"
  fi
}

target=$(detect_target)
asset="${PROGRAM}-${target}"
base="${MCP_SHC_DOWNLOAD_BASE:-https://github.com/${REPO}/releases}"
base="${base%/}"
version="${MCP_SHC_VERSION:-}"
if [ -n "$version" ]; then
  case "$version" in
    v*) tag="$version" ;;
    *) tag="v$version" ;;
  esac
  release_url="${base}/download/${tag}"
else
  tag="the latest release"
  release_url="${base}/latest/download"
fi
install_dir="${MCP_SHC_INSTALL_DIR:-${HOME:?HOME is not set; set MCP_SHC_INSTALL_DIR}/.local/bin}"

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t mcp-shc)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

printf 'Downloading %s (%s) from %s\n' "$asset" "$tag" "$release_url" >&2
download "${release_url}/${asset}" "${tmp}/${asset}" || fail "Cannot download ${release_url}/${asset}"
download "${release_url}/SHA256SUMS" "${tmp}/SHA256SUMS" || fail "Cannot download ${release_url}/SHA256SUMS"

expected=$(awk -v name="$asset" '{ file = $2; sub(/^\*/, "", file) } file == name { print $1; exit }' "${tmp}/SHA256SUMS")
[ -n "$expected" ] || fail "SHA256SUMS does not list \"${asset}\"; nothing installed"
actual=$(sha256_of "${tmp}/${asset}")
expected=$(printf '%s' "$expected" | tr 'A-F' 'a-f')
if [ "$actual" != "$expected" ]; then
  fail "Checksum mismatch for \"${asset}\": expected ${expected}, got ${actual}; nothing installed"
fi
printf 'Checksum verified (SHA-256 %s)\n' "$actual" >&2

mkdir -p "$install_dir" || fail "Cannot create \"${install_dir}\""
chmod 755 "${tmp}/${asset}"
# Copy next to the destination, then rename: a running old binary is never half-overwritten.
cp "${tmp}/${asset}" "${install_dir}/.${PROGRAM}.partial" || fail "Cannot write to \"${install_dir}\""
mv -f "${install_dir}/.${PROGRAM}.partial" "${install_dir}/${PROGRAM}"
destination="${install_dir}/${PROGRAM}"

installed=$("$destination" --version 2>/dev/null) || fail "Installed ${destination}, but it does not run"
printf 'Installed %s at %s\n' "$installed" "$destination"

case ":${PATH:-}:" in
  *":${install_dir}:"*) command_name="$PROGRAM" ;;
  *)
    command_name="$destination"
    printf '\n%s is not on your PATH. Add it, e.g. in ~/.profile:\n  export PATH="%s:$PATH"\n' \
      "$install_dir" "$install_dir"
    ;;
esac
cat <<EOF

Next steps:
  ${command_name} --server-url https://mcp.example.com/mcp --token        # sign in once
  ${command_name} --server-url https://mcp.example.com/mcp --list-tools   # try it
  ${command_name} --server-url https://mcp.example.com/mcp --print-config claude-desktop
                                      # the entry to paste into your MCP host's configuration
EOF
