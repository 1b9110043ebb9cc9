#!/usr/bin/env bash
# Puts the real Pulumi engine in .tools/bin (git-ignored):
#   pulumi, pulumi-language-python, pulumi-language-python-exec (next to it), pulumi-resource-pulumi-python,
#   and pulumi-language-yaml (the language host of Pulumi YAML programs, examples/yaml-quickstart).
#
# 1. If a `pulumi` on PATH reports >= v3.272.0 and has its Python language host beside it, link that. Its
#    pulumi-language-yaml too when it has one beside it (release archives do); otherwise only that is built (3.).
# 2. Otherwise build the pinned release with the machine's `go`, in a throw-away wrapper module outside the
#    repository (~/.cache/pulumi-svix/engine/<version>/src), together with our own Python language host
#    (engine/langhost: the upstream one is not served by the Go module proxy). The two Python scripts come
#    unchanged from the sdk/v3 module's python/ folder; the dynamic-provider launcher script is installed as
#    pulumi-resource-pulumi-python.sh, and pulumi-resource-pulumi-python is our language host binary, which in
#    that role runs the script and stops it when the engine is gone (engine/langhost/launcher.go). Results are
#    cached in .../<version>/bin, so a second run takes seconds; a changed engine/langhost rebuilds only the
#    language host.
# 3. pulumi-language-yaml is built from the Go module proxy (github.com/pulumi/pulumi-yaml, $YAML_VERSION) in a
#    second wrapper module (.../<version>/src-yaml, pins engine/yaml.mod + engine/yaml.sum): that release
#    pins pulumi v3.206.0 and does not compile against $VERSION's pkg/v3 (plugin.NewContextWithRoot and
#    schema.NewPluginLoader changed), so it keeps its own pins; the gRPC protocol between engine and language
#    host is the same. It goes into .../<version>/bin beside our pulumi: the engine expects a bundled language
#    host next to its own executable and warns ("using ... from $PATH") otherwise.
#
# Usage: scripts/engine.sh                 link or build, as above
#        scripts/engine.sh --update-pins   re-resolve engine/wrapper.mod + engine/wrapper.sum and engine/yaml.mod +
#                                          engine/yaml.sum (after a version bump)
# Environment: PULUMI_SVIX_ENGINE_BUILD=1 ignores a pulumi on PATH; PULUMI_SVIX_ENGINE_CACHE moves the cache.
set -euo pipefail

VERSION=v3.274.1          # the pinned release we build
MIN_PATH_VERSION=3.272.0  # the oldest pulumi on PATH we accept (pyproject: pulumi>=3.272)
EXECUTABLES=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python)
YAML_MODULE=github.com/pulumi/pulumi-yaml
YAML_VERSION=v1.25.0      # the pulumi-language-yaml release we build
YAML_HOST=pulumi-language-yaml

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_BIN=$REPO/.tools/bin
CACHE=${PULUMI_SVIX_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-svix/engine}/$VERSION
SRC=$CACHE/src
YAML_SRC=$CACHE/src-yaml
BIN=$CACHE/bin
START=$SECONDS

say() { echo "engine: $*"; }
warn() { echo "engine: WARNING: $*" >&2; }
die() { echo "engine: ERROR: $*" >&2; exit 1; }
elapsed() { printf '%dm%02ds' $(((SECONDS - START) / 60)) $(((SECONDS - START) % 60)); }

# Replace .tools/bin's four executables with symlinks into the directory $1.
link_tools_from() {
    mkdir -p "$TOOLS_BIN"
    for exe in "${EXECUTABLES[@]}"; do
        ln -sfn "$1/$exe" "$TOOLS_BIN/$exe"
    done
    say "$("$TOOLS_BIN/pulumi" version) ready in .tools/bin (from $1) after $(elapsed)"
}

# --- 1. a suitable pulumi on PATH -------------------------------------------------------------------------
path_pulumi_dir() {
    local candidate dir version
    while read -r candidate; do
        [ "$(cd "$(dirname "$candidate")" && pwd)" = "$TOOLS_BIN" ] && continue  # our own links: not "on PATH"
        dir=$(dirname "$(readlink -f "$candidate")")
        [ "$dir" = "$BIN" ] && continue  # our own build
        version=$(PULUMI_SKIP_UPDATE_CHECK=true "$candidate" version 2>/dev/null | tr -d 'v\r') || continue
        if [ "$(printf '%s\n' "$MIN_PATH_VERSION" "$version" | sort -V | head -n1)" != "$MIN_PATH_VERSION" ]; then
            say "ignoring $candidate: v$version is older than v$MIN_PATH_VERSION" >&2
            continue
        fi
        for exe in "${EXECUTABLES[@]}"; do
            if [ ! -x "$dir/$exe" ]; then
                say "ignoring $candidate: no $exe beside it" >&2
                continue 2
            fi
        done
        echo "$dir"
        return 0
    done < <(type -aP pulumi 2>/dev/null || true)
    return 1
}

GO=$(command -v go || true)
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi  # installed but not on PATH

PINS_MOD=$REPO/engine/wrapper.mod  # the wrapper module's go.mod, resolved once and kept in the repository
PINS_SUM=$REPO/engine/wrapper.sum  # ... and its go.sum: a build downloads only what it compiles
YAML_PINS_MOD=$REPO/engine/yaml.mod  # the same for the pulumi-language-yaml wrapper module
YAML_PINS_SUM=$REPO/engine/yaml.sum
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
YAML_KEY="$YAML_VERSION $(hash_of "$YAML_PINS_MOD" "$YAML_PINS_SUM" 2>/dev/null || true)"
yaml_ready() { [ -x "$BIN/$YAML_HOST" ] && [ "$(cat "$BIN/.yaml.key" 2>/dev/null)" = "$YAML_KEY" ]; }

lock_cache() {
    mkdir -p "$SRC/langhost" "$YAML_SRC" "$BIN"
    exec 9>"$CACHE/.lock"
    flock 9  # two `make engine` at once (demo and test) wait for each other instead of racing in the cache
}

# `go build -v` names each package as it compiles it, and go logs each module download: print a running
# count every 100 instead of thousands of lines. Anything else (compiler errors) is shown as it comes.
progress() {
    local line packages=0 downloads=0
    while IFS= read -r line; do
        if [[ $line == "go: downloading "* ]]; then
            ((++downloads % 100)) || say "  $downloads modules downloaded ($(elapsed))"
        elif [[ $line =~ ^[A-Za-z0-9._~+/-]+$ ]]; then
            ((++packages % 100)) || say "  $packages packages compiled ($(elapsed))"
        else
            echo "$line"
        fi
    done
}

# go_build DIR OUT LDFLAGS PACKAGE: build PACKAGE in the wrapper module DIR into OUT (atomically).
go_build() {
    local dir=$1 out=$2 ldflags=$3
    shift 3
    if ! (cd "$dir" && GOFLAGS="-mod=readonly -buildvcs=false" "$GO" build -v -ldflags "$ldflags" -o "$out.tmp" "$@" 2>&1) |
        progress; then
        die "go build of $* failed (see above)"
    fi
    mv -f "$out.tmp" "$out"
}

# Build pulumi-language-yaml into $BIN unless it is there for the current pins (caller holds the cache lock).
build_yaml_host() {
    yaml_ready && return 0
    [ -f "$YAML_PINS_MOD" ] && [ -f "$YAML_PINS_SUM" ] || die "engine/yaml.mod or engine/yaml.sum is missing:
run scripts/engine.sh --update-pins"
    grep -q "$YAML_MODULE $YAML_VERSION" "$YAML_PINS_MOD" ||
        die "engine/yaml.mod does not pin $YAML_MODULE $YAML_VERSION: run scripts/engine.sh --update-pins"
    cp "$YAML_PINS_MOD" "$YAML_SRC/go.mod"
    cp "$YAML_PINS_SUM" "$YAML_SRC/go.sum"
    say "compiling $YAML_HOST $YAML_VERSION (Pulumi YAML) ..."
    go_build "$YAML_SRC" "$BIN/$YAML_HOST" "-X $YAML_MODULE/pkg/version.Version=$YAML_VERSION" \
        "$YAML_MODULE/cmd/$YAML_HOST"
    echo "$YAML_KEY" >"$BIN/.yaml.key"
    say "$YAML_HOST built after $(elapsed)"
}

# Point .tools/bin/pulumi-language-yaml at the one in the directory $1.
link_yaml_from() {
    ln -sfn "$1/$YAML_HOST" "$TOOLS_BIN/$YAML_HOST"
    say "$YAML_HOST $YAML_VERSION ready in .tools/bin (from $1)"
}

if [ "${1:-}" != "--update-pins" ] && [ -z "${PULUMI_SVIX_ENGINE_BUILD:-}" ] && dir=$(path_pulumi_dir); then
    link_tools_from "$dir"
    if [ -x "$dir/$YAML_HOST" ]; then
        ln -sfn "$dir/$YAML_HOST" "$TOOLS_BIN/$YAML_HOST"
        say "$YAML_HOST ready in .tools/bin (from $dir)"
    elif [ -n "$GO" ]; then
        # A pulumi without its YAML language host beside it (e.g. a bare binary): build just that one. The
        # engine then warns "using pulumi-language-yaml from $PATH" when it starts a YAML program.
        say "no $YAML_HOST beside $dir/pulumi: building it"
        lock_cache
        build_yaml_host
        link_yaml_from "$BIN"
    else
        rm -f "$TOOLS_BIN/$YAML_HOST"
        warn "no $YAML_HOST beside $dir/pulumi and no \`go\` to build it: Pulumi YAML programs
(examples/yaml-quickstart, tests/e2e/test_yaml_quickstart.py) cannot run. Python programs are not affected."
    fi
    exit 0
fi

# --- 2. build the pinned release --------------------------------------------------------------------------
[ -n "$GO" ] || die "no pulumi >= v$MIN_PATH_VERSION on PATH (with pulumi-language-python beside it), and no \`go\`
to build pulumi $VERSION from source. Install either one (Go >= 1.26, or the Pulumi CLI) and run \`make engine\` again."

LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
lock_cache

# Write a fresh wrapper go.mod and let `go mod tidy` resolve it; keep the result in engine/.
update_pins() {
    say "resolving the wrapper module for pulumi $VERSION (go mod tidy; downloads module metadata)"
    cp "$REPO"/engine/langhost/*.go "$SRC/langhost/"
    cat >"$SRC/go.mod" <<EOF
// Throw-away wrapper module: builds the pulumi CLI and pulumi-svix's Python language host. Generated by
// scripts/engine.sh --update-pins; do not edit by hand.
module pulumi-svix-engine

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $VERSION
	github.com/pulumi/pulumi/sdk/v3 $VERSION
)

// Non-local replace lines of pkg/v3 and sdk/v3 at $VERSION, restated (their "sdk/v3 => ../sdk" is local: dropped).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

replace golang.org/x/text => golang.org/x/text v0.41.0

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
EOF
    rm -f "$SRC/go.sum"
    (cd "$SRC" && "$GO" mod tidy) || die "go mod tidy failed in $SRC"
    cp "$SRC/go.mod" "$PINS_MOD"
    cp "$SRC/go.sum" "$PINS_SUM"
    say "wrote engine/wrapper.mod and engine/wrapper.sum"
}

# The same for pulumi-language-yaml: nothing but the release itself, so its own go.mod decides every version.
update_yaml_pins() {
    say "resolving the wrapper module for $YAML_HOST $YAML_VERSION (go mod tidy)"
    cat >"$YAML_SRC/go.mod" <<EOF
// Throw-away wrapper module: builds $YAML_HOST $YAML_VERSION with the versions that release pins (it does
// not compile against pulumi $VERSION's pkg/v3). Generated by scripts/engine.sh --update-pins; do not edit by hand.
module pulumi-svix-engine-yaml

go 1.24.7

require $YAML_MODULE $YAML_VERSION

tool $YAML_MODULE/cmd/$YAML_HOST
EOF
    rm -f "$YAML_SRC/go.sum"
    (cd "$YAML_SRC" && "$GO" mod tidy) || die "go mod tidy failed in $YAML_SRC"
    cp "$YAML_SRC/go.mod" "$YAML_PINS_MOD"
    cp "$YAML_SRC/go.sum" "$YAML_PINS_SUM"
    YAML_KEY="$YAML_VERSION $(hash_of "$YAML_PINS_MOD" "$YAML_PINS_SUM")"
    say "wrote engine/yaml.mod and engine/yaml.sum"
}

if [ "${1:-}" = "--update-pins" ] || [ ! -f "$PINS_MOD" ] || [ ! -f "$PINS_SUM" ]; then
    update_pins
fi
if [ "${1:-}" = "--update-pins" ] || [ ! -f "$YAML_PINS_MOD" ] || [ ! -f "$YAML_PINS_SUM" ]; then
    update_yaml_pins
fi
grep -q "pulumi/pkg/v3 $VERSION\$" "$PINS_MOD" ||
    die "engine/wrapper.mod does not pin $VERSION: run scripts/engine.sh --update-pins"

CLI_KEY="$VERSION $(hash_of "$PINS_MOD" "$PINS_SUM")"
HOST_KEY="$VERSION $(hash_of "$PINS_MOD" "$PINS_SUM" "$REPO"/engine/langhost/*.go)"
cli_ready() { [ -x "$BIN/pulumi" ] && [ "$(cat "$BIN/.pulumi.key" 2>/dev/null)" = "$CLI_KEY" ]; }
host_ready() {
    [ -x "$BIN/pulumi-language-python" ] && [ "$(cat "$BIN/.langhost.key" 2>/dev/null)" = "$HOST_KEY" ] &&
        [ -x "$BIN/pulumi-language-python-exec" ] && [ -x "$BIN/pulumi-resource-pulumi-python" ] &&
        [ -x "$BIN/pulumi-resource-pulumi-python.sh" ]
}

if cli_ready && host_ready && yaml_ready; then
    link_tools_from "$BIN"
    link_yaml_from "$BIN"
    exit 0
fi

cp "$PINS_MOD" "$SRC/go.mod"
cp "$PINS_SUM" "$SRC/go.sum"
rm -f "$SRC"/langhost/*.go
cp "$REPO"/engine/langhost/*.go "$SRC/langhost/"
say "building pulumi $VERSION with $("$GO" version | cut -d' ' -f3) in $SRC"
say "(cold: module downloads plus compiling ~1,700 packages: about 10 minutes on 2 cores; cached afterwards in $BIN)"

if ! cli_ready; then
    say "compiling the pulumi CLI ..."
    go_build "$SRC" "$BIN/pulumi" "$LDFLAGS" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    echo "$CLI_KEY" >"$BIN/.pulumi.key"
    say "pulumi CLI built after $(elapsed)"
fi

if ! host_ready; then
    say "compiling the Python language host (engine/langhost) ..."
    go_build "$SRC" "$BIN/pulumi-language-python" "$LDFLAGS" ./langhost
    SDK_DIR=$(cd "$SRC" && GOFLAGS="-mod=readonly" "$GO" list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
    install -m 0755 "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
    install -m 0755 "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python.sh"
    # The language host binary acts as the provider launcher when called by this name (it looks at argv[0]). A hard
    # link, not a symlink: the engine warns ("using ... from $PATH") when a bundled plugin resolves to another name.
    ln -f "$BIN/pulumi-language-python" "$BIN/pulumi-resource-pulumi-python" 2>/dev/null ||
        install -m 0755 "$BIN/pulumi-language-python" "$BIN/pulumi-resource-pulumi-python"
    echo "$HOST_KEY" >"$BIN/.langhost.key"
fi

build_yaml_host
"$BIN/pulumi" version | grep -qx "$VERSION" || die "the built pulumi does not report $VERSION"
link_tools_from "$BIN"
link_yaml_from "$BIN"
