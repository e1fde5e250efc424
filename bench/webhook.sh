#!/usr/bin/env bash
# Webhook benchmark (issue 4): acknowledgement latency (p50/p99) of valid signed GitHub pushes at 100 requests a
# second for 10 s, while the deploys they ask for run and coalesce. Writes its own section of bench/RESULTS.md.
#
# Usage: bench/webhook.sh                     (from anywhere; about 1-2 minutes; needs Docker, git, node/npm as the tests do)
#   RATE=200 DURATION=20 ROUNDS=5 bench/webhook.sh   to change the load.
# Traffic goes to 127.0.0.1 only; it removes the containers, images and folders it made, and leaves no process behind.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A build must leave no MSBuild node or compiler server behind.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false DOTNET_NOLOGO=1

cd "$root"
./build.sh --version >/dev/null
dotnet build bench/webhook -c Release -nologo -v quiet -clp:NoSummary >/dev/null
exec dotnet bench/webhook/bin/Release/net10.0/WebhookBench.dll "$root"
