#!/usr/bin/env bash
# The Debian packages the tests use, installed when missing (npm's `pretest`, and .ci/run):
# - openssh-server: the device tests run the device steps for real over SSH on loopback;
# - sudo: one device test logs in as a non-root user whose steps run under `sudo -n`;
# - shellcheck: lints the device scripts.
# Installing needs root and apt-get (CI and this project's machines have both); elsewhere this
# says what to install and fails, rather than letting the device tests fail one by one.
set -euo pipefail

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server openssh-client)
command -v sudo >/dev/null 2>&1 || missing+=(sudo)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test prerequisites: installing ${missing[*]} (Debian packages)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "test prerequisites missing: ${missing[*]}" >&2
    echo "install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
fi
