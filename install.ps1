# Installs mcp-streamablehttp-client on Windows from the project's GitHub releases.
#
#   irm https://github.com/OWNER/REPO/releases/latest/download/install.ps1 | iex
#
# Environment:
#   MCP_SHC_VERSION        release to install, e.g. 0.1.0 or v0.1.0 (default: the latest release)
#   MCP_SHC_INSTALL_DIR    where to put the binary (default: ~\.local\bin)
#   MCP_SHC_DOWNLOAD_BASE  releases base URL, for mirrors and tests
#                          (default: https://github.com/$MCP_SHC_REPO/releases); the assets are read
#                          from BASE/latest/download/ASSET or BASE/download/vVERSION/ASSET
#   MCP_SHC_REPO           GitHub repository OWNER/NAME (default below)
#
# The binary is installed only when its SHA-256 matches the release's SHA256SUMS.

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Program = 'mcp-streamablehttp-client'
$Repo = if ($env:MCP_SHC_REPO) { $env:MCP_SHC_REPO } else { 'mcp-streamablehttp-client/mcp-streamablehttp-client' }

function Fail([string]$Message) {
  Write-Error "install.ps1: $Message" -ErrorAction Continue
  exit 1
}

$arch = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()
switch ($arch) {
  'X64' { $target = 'x86_64-pc-windows-msvc' }
  # Windows on Arm runs the x64 binary under emulation; there is no native arm64 build.
  'Arm64' { $target = 'x86_64-pc-windows-msvc' }
  default { Fail "Unsupported architecture: `"$arch`" (releases exist for x64)" }
}
$asset = "$Program-$target.exe"

$base = if ($env:MCP_SHC_DOWNLOAD_BASE) { $env:MCP_SHC_DOWNLOAD_BASE } else { "https://github.com/$Repo/releases" }
$base = $base.TrimEnd('/')
if ($env:MCP_SHC_VERSION) {
  $tag = if ($env:MCP_SHC_VERSION.StartsWith('v')) { $env:MCP_SHC_VERSION } else { "v$($env:MCP_SHC_VERSION)" }
  $releaseUrl = "$base/download/$tag"
} else {
  $tag = 'the latest release'
  $releaseUrl = "$base/latest/download"
}
$installDir = if ($env:MCP_SHC_INSTALL_DIR) { $env:MCP_SHC_INSTALL_DIR } else { Join-Path $HOME '.local\bin' }

$tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("mcp-shc-" + [System.Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
  Write-Host "Downloading $asset ($tag) from $releaseUrl"
  $binary = Join-Path $tmp $asset
  $sums = Join-Path $tmp 'SHA256SUMS'
  try {
    Invoke-WebRequest -UseBasicParsing -Uri "$releaseUrl/$asset" -OutFile $binary
    Invoke-WebRequest -UseBasicParsing -Uri "$releaseUrl/SHA256SUMS" -OutFile $sums
  } catch {
    Fail "Cannot download from ${releaseUrl}: $($_.Exception.Message)"
  }

  $expected = $null
  foreach ($line in Get-Content -LiteralPath $sums) {
    $fields = $line.Trim() -split '\s+', 2
    if ($fields.Count -eq 2 -and $fields[1].TrimStart('*') -eq $asset) { $expected = $fields[0].ToLowerInvariant(); break }
  }
  if (-not $expected) { Fail "SHA256SUMS does not list `"$asset`"; nothing installed" }
  $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $binary).Hash.ToLowerInvariant()
  if ($actual -ne $expected) {
    Fail "Checksum mismatch for `"$asset`": expected $expected, got $actual; nothing installed"
  }
  Write-Host "Checksum verified (SHA-256 $actual)"

  New-Item -ItemType Directory -Force -Path $installDir | Out-Null
  $destination = Join-Path $installDir "$Program.exe"
  $partial = Join-Path $installDir ".$Program.partial"
  Copy-Item -LiteralPath $binary -Destination $partial -Force
  Move-Item -LiteralPath $partial -Destination $destination -Force

  $installed = & $destination --version
  if ($LASTEXITCODE -ne 0) { Fail "Installed $destination, but it does not run" }
  Write-Host "Installed $installed at $destination"

  $onPath = ($env:Path -split ';') -contains $installDir
  $command = if ($onPath) { $Program } else { "& `"$destination`"" }
  if (-not $onPath) {
    Write-Host ""
    Write-Host "$installDir is not on your PATH. Add it for your user with:"
    Write-Host "  [Environment]::SetEnvironmentVariable('Path', `"$installDir;`" + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')"
  }
  Write-Host ""
  Write-Host "Next steps:"
  Write-Host "  $command --server-url https://mcp.example.com/mcp --token        # sign in once"
  Write-Host "  $command --server-url https://mcp.example.com/mcp --list-tools   # try it"
  Write-Host "  $command --server-url https://mcp.example.com/mcp --print-config claude-desktop"
  Write-Host "                                      # the entry to paste into your MCP host's configuration"
} finally {
  Remove-Item -Recurse -Force -LiteralPath $tmp -ErrorAction SilentlyContinue
}
