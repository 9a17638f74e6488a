# Step "files": certificates and keys under /var/aziot with the owners and modes of seed 003
# ("Permission requirements"); optionally the root CA in the OS trust store (seed 003, "Manage
# trusted root CA").
#
# Everything arrives on stdin in a line format (steps.ts, encodeFilesManifest):
#   iotedge-fleet-files 1
#   d <path> <owner> <group> <mode>                    directory
#   f <path> <owner> <group> <mode> <flags> <base64>   file; flags: c = identity / Edge CA
#                                                      material, t = OS trust store, - = none
#   r <path> <flags>                                   managed path that must not exist
#   end
# Key material is decoded by the shell's builtin printf into base64 -d: it never appears in a
# process argument list, the environment, or this script's output.

changed=0
clear_marker="$STATE_DIR/clear-generated"
trust_changed=0

valid_path() {
    case "$1" in
        /*) ;;
        *) return 1 ;;
    esac
    case "$1" in
        *[!A-Za-z0-9._/-]* | *..*) return 1 ;;
    esac
}

valid_name() {
    case "$1" in
        "" | *[!a-z0-9_-]*) return 1 ;;
    esac
}

valid_mode() {
    case "$1" in
        0[0-7][0-7][0-7]) ;;
        *) return 1 ;;
    esac
}

check_entry() {
    valid_path "$1" || die "manifest: bad path"
    valid_name "$2" || die "manifest: bad owner for $1"
    valid_name "$3" || die "manifest: bad group for $1"
    valid_mode "$4" || die "manifest: bad mode for $1"
    id -u "$2" >/dev/null 2>&1 ||
        die "user $2 does not exist (is aziot-identity-service installed?): needed for $1"
}

# Remove temp files a killed earlier run may have left next to their targets.
clean_stale() {
    find "$1" -maxdepth 1 -type f -name '.iotedge-fleet.*' -exec rm -f {} + 2>/dev/null || :
}

ensure_dir() {
    if [ ! -d "$1" ]; then
        mkdir -p "$1"
        changed=1
    fi
    if [ "$(stat -c '%U:%G %a' "$1")" != "$2:$3 $(short_mode "$4")" ]; then
        chown "$2:$3" "$1"
        chmod "$4" "$1"
        say "set owner/mode of $1"
        changed=1
    fi
    clean_stale "$1"
}

note_flags() {
    case "$1" in *c*) touch "$clear_marker" ;; esac
    case "$1" in *t*) trust_changed=1 ;; esac
}

put_file() {
    path=$1 owner=$2 group=$3 mode=$4 flags=$5 data=$6
    dir=${path%/*}
    [ -d "$dir" ] || mkdir -p "$dir"
    tmp=$(mktemp "$dir/.iotedge-fleet.XXXXXXXX")
    if ! printf '%s' "$data" | base64 -d >"$tmp"; then
        rm -f "$tmp"
        die "manifest: invalid base64 content for $path"
    fi
    if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
        rm -f "$tmp"
        if [ "$(stat -c '%U:%G %a' "$path")" != "$owner:$group $(short_mode "$mode")" ]; then
            chown "$owner:$group" "$path"
            chmod "$mode" "$path"
            say "set owner/mode of $path"
            changed=1
        else
            say "unchanged $path"
        fi
        return 0
    fi
    chown "$owner:$group" "$tmp"
    chmod "$mode" "$tmp"
    flush "$tmp"
    # Marked before the rename so that a run killed after it still clears on the next run.
    note_flags "$flags"
    mv -f "$tmp" "$path"
    say "wrote $path"
    changed=1
}

remove_file() {
    if [ -e "$1" ]; then
        note_flags "$2"
        rm -f "$1"
        say "removed $1"
        changed=1
    fi
}

read -r magic version || die "manifest: empty stdin"
[ "$magic $version" = "iotedge-fleet-files 1" ] || die "manifest: unknown format"
complete=0
while read -r kind a b c d e f; do
    case "$kind" in
        d)
            check_entry "$a" "$b" "$c" "$d"
            ensure_dir "$a" "$b" "$c" "$d"
            ;;
        f)
            check_entry "$a" "$b" "$c" "$d"
            put_file "$a" "$b" "$c" "$d" "$e" "$f"
            ;;
        r)
            valid_path "$a" || die "manifest: bad path"
            remove_file "$a" "$b"
            ;;
        end)
            complete=1
            break
            ;;
        *) die "manifest: unknown entry" ;;
    esac
done
[ "$complete" = 1 ] || die "manifest: truncated stdin"

# Seed 003 ("Edge CA in production") and seed 004: when the identity or the Edge CA changes,
# delete the generated certificates and keys so that IoT Edge issues them again.
if [ -e "$clear_marker" ]; then
    for generated in /var/lib/aziot/certd/certs /var/lib/aziot/keyd/keys; do
        if [ -d "$generated" ]; then
            find "$generated" -mindepth 1 -delete
            say "cleared $generated"
        fi
    done
    rm -f "$clear_marker"
    changed=1
fi

if [ "$trust_changed" = 1 ]; then
    update-ca-certificates
fi

if [ "$changed" = 1 ]; then say "result: changed"; else say "result: unchanged"; fi
