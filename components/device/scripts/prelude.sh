# iotedge-fleet device step prelude (POSIX sh). steps.ts prepends this to every Linux step.
# The caller sets STEP (and the step's own non-secret parameters) on the command line;
# secrets only ever arrive on stdin.
set -eu
umask 077
# A fixed PATH: sudo's secure_path and sshd's default PATH differ between distributions.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL

STATE_DIR=/var/lib/iotedge-fleet

say() {
    printf '%s\n' "iotedge-fleet[${STEP}]: $*"
}

die() {
    printf '%s\n' "iotedge-fleet[${STEP}]: error: $*" >&2
    exit 1
}

if [ "$(id -u)" != 0 ]; then
    die "must run as root: connect as root or as a user with passwordless sudo (sudo -n)"
fi

mkdir -p "$STATE_DIR"
chmod 0700 "$STATE_DIR"

# Flush a file's data before it is renamed into place (coreutils sync FILE calls fsync).
flush() {
    sync "$1"
}

# "644" for "0644": the form `stat -c %a` prints.
short_mode() {
    printf '%o' "$((0$1))"
}
