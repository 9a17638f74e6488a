# Step "install": Microsoft package repository, Moby, aziot-identity-service and aziot-edge at
# pinned versions (seed 000, "Install IoT Edge" and "Offline or specific version installation").
# Parameters (non-secret, set by steps.ts): EDGE_VERSION, IDENTITY_VERSION, MOBY_VERSION (may be
# empty), OFFLINE_EDGE_DEB / OFFLINE_IDENTITY_DEB (paths of .deb files already copied to the
# device; empty for an online install) and OFFLINE_EDGE_SHA256 / OFFLINE_IDENTITY_SHA256.

DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND

changed=0

os_field() {
    # /etc/os-release is a shell fragment by specification (os-release(5)); read it in a subshell.
    (
        # shellcheck disable=SC1091
        . /etc/os-release
        eval "printf '%s' \"\${$1:-}\""
    )
}

[ -r /etc/os-release ] || die "cannot read /etc/os-release: unsupported operating system"
os_id=$(os_field ID)
os_version=$(os_field VERSION_ID)
os_name=$(os_field PRETTY_NAME)
arch=$(dpkg --print-architecture)

case "$arch" in
    amd64 | arm64 | armhf) ;;
    *) die "unsupported architecture '$arch' (supported: amd64, arm64, armhf)" ;;
esac

# Microsoft publishes one repository configuration per OS release:
# packages.microsoft.com/config/<os>/<version>/packages-microsoft-prod.deb.
case "$os_id:$os_version" in
    ubuntu:20.04 | ubuntu:22.04 | ubuntu:24.04)
        repo_os=ubuntu
        ;;
    debian:11 | debian:12)
        repo_os=debian
        ;;
    raspbian:11 | raspbian:12)
        # Raspberry Pi OS (32-bit) reports ID=raspbian and uses the Debian repository.
        case "$arch" in
            armhf | arm64) repo_os=debian ;;
            *) die "unsupported architecture '$arch' for Raspberry Pi OS (supported: armhf, arm64)" ;;
        esac
        ;;
    *)
        die "unsupported operating system '${os_name:-$os_id $os_version}' (ID=$os_id VERSION_ID=$os_version); supported: Ubuntu 20.04/22.04/24.04, Debian 11/12, Raspberry Pi OS 11/12"
        ;;
esac
say "detected $os_id $os_version ($arch)"

installed_version() {
    dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
        awk '$1 == "install" && $3 == "installed" { print $4 }'
}

apt_install() {
    apt-get install -y --allow-downgrades -o Dpkg::Options::=--force-confold "$@"
}

repo_ready=0
configure_repo() {
    [ "$repo_ready" = 0 ] || return 0
    if [ -z "$(installed_version packages-microsoft-prod)" ]; then
        url="https://packages.microsoft.com/config/$repo_os/$os_version/packages-microsoft-prod.deb"
        tmpdir=$(mktemp -d)
        say "configuring Microsoft package repository from $url"
        if command -v curl >/dev/null 2>&1; then
            curl -fsSL "$url" -o "$tmpdir/packages-microsoft-prod.deb"
        elif command -v wget >/dev/null 2>&1; then
            wget -q "$url" -O "$tmpdir/packages-microsoft-prod.deb"
        else
            die "neither curl nor wget is installed: cannot download $url"
        fi
        apt_install "$tmpdir/packages-microsoft-prod.deb"
        rm -rf "$tmpdir"
        changed=1
    fi
    apt-get update
    repo_ready=1
}

# Container engine (seed 000: Moby is the only officially supported engine).
if [ -z "$(installed_version moby-engine)" ] ||
    { [ -n "$MOBY_VERSION" ] && [ "$(installed_version moby-engine)" != "$MOBY_VERSION" ]; }; then
    [ -n "$OFFLINE_EDGE_DEB" ] || configure_repo
    if [ -n "$MOBY_VERSION" ]; then
        apt_install "moby-engine=$MOBY_VERSION" moby-cli
    else
        apt_install moby-engine moby-cli
    fi
    changed=1
else
    say "moby-engine $(installed_version moby-engine) already installed"
fi

edge_now=$(installed_version aziot-edge)
identity_now=$(installed_version aziot-identity-service)
if [ "$edge_now" = "$EDGE_VERSION" ] &&
    { [ -z "$IDENTITY_VERSION" ] || [ "$identity_now" = "$IDENTITY_VERSION" ]; }; then
    say "aziot-edge $edge_now and aziot-identity-service $identity_now already installed"
elif [ -n "$OFFLINE_EDGE_DEB" ]; then
    # Seed 000, offline install: apt-get install ./aziot-identity-service.deb ./aziot-edge.deb.
    # The uploads sit where the SSH user could write them; copy them somewhere only root can
    # write and check them against the sha256 of the local files before installing as root.
    debdir=$(mktemp -d)
    stage() {
        [ -f "$1" ] || die "offline package $1 is missing on the device"
        cp -- "$1" "$debdir/$3"
        [ "$(sha256sum "$debdir/$3" | cut -d' ' -f1)" = "$2" ] ||
            die "offline package $1 does not match the sha256 of the local file"
    }
    stage "$OFFLINE_IDENTITY_DEB" "$OFFLINE_IDENTITY_SHA256" aziot-identity-service.deb
    stage "$OFFLINE_EDGE_DEB" "$OFFLINE_EDGE_SHA256" aziot-edge.deb
    say "installing from offline packages $OFFLINE_IDENTITY_DEB $OFFLINE_EDGE_DEB"
    apt_install "$debdir/aziot-identity-service.deb" "$debdir/aziot-edge.deb"
    rm -rf "$debdir"
    changed=1
else
    configure_repo
    if [ -n "$IDENTITY_VERSION" ]; then
        apt_install "aziot-edge=$EDGE_VERSION" "aziot-identity-service=$IDENTITY_VERSION"
    else
        apt_install "aziot-edge=$EDGE_VERSION"
    fi
    changed=1
fi

edge_now=$(installed_version aziot-edge)
[ "$edge_now" = "$EDGE_VERSION" ] ||
    die "aziot-edge is at '${edge_now:-not installed}' after install, wanted $EDGE_VERSION"

if [ "$changed" = 1 ]; then say "result: changed"; else say "result: unchanged"; fi
