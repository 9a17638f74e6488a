# Step "apply": /etc/aziot/config.toml from stdin, `iotedge config apply` when the config or a
# certificate/key changed, then wait for the runtime to be healthy (seed 000, "Provision the
# device with its cloud identity" and "Verify successful configuration").
# Parameters (non-secret, set by steps.ts): HEALTH_TIMEOUT (seconds), CHECK_MODE
# (none | configuration | all), EXPECTED_EDGED_VERSION (for `iotedge check`, may be empty).
# stdin: the rendered config.toml, which carries no secret (keys are file:// references).

config=/etc/aziot/config.toml
applied="$STATE_DIR/applied.sha256"

command -v iotedge >/dev/null 2>&1 || die "iotedge is not installed (did the install step run?)"

# The daemon's own logs (not secret-bearing): printed on any failure below.
show_logs() {
    printf '%s\n' "--- last lines of 'iotedge system logs' ---" >&2
    iotedge system logs 2>&1 | tail -n 40 >&2 || :
}

mkdir -p /etc/aziot
find /etc/aziot -maxdepth 1 -type f -name '.config.toml.iotedge-fleet.*' -exec rm -f {} + || :

# Atomic replace: temp file in the same directory, fsync, rename. The previous version is kept
# as config.toml.prev. A run killed before the rename leaves config.toml untouched.
tmp=$(mktemp /etc/aziot/.config.toml.iotedge-fleet.XXXXXXXX)
cat >"$tmp"
[ -s "$tmp" ] || {
    rm -f "$tmp"
    die "config.toml on stdin is empty"
}
chmod 0600 "$tmp"
if [ -f "$config" ] && cmp -s "$tmp" "$config"; then
    rm -f "$tmp"
    say "unchanged $config"
else
    if [ -f "$config" ]; then
        cp -p "$config" "$config.prev"
    fi
    flush "$tmp"
    mv -f "$tmp" "$config"
    say "wrote $config"
fi

# What `iotedge config apply` consumed last time: config.toml plus every certificate and key it
# references under /var/aziot. Recorded only after the runtime was healthy, so a failed or
# interrupted run applies again next time.
fingerprint() {
    {
        sha256sum "$config"
        for dir in /var/aziot/certs /var/aziot/secrets; do
            [ -d "$dir" ] || continue
            find "$dir" -maxdepth 1 -type f ! -name '.iotedge-fleet.*' -exec sha256sum {} +
        done
    } | LC_ALL=C sort | sha256sum | cut -d' ' -f1
}
wanted=$(fingerprint)
previous=$(cat "$applied" 2>/dev/null || :)
result=unchanged
if [ "$wanted" != "$previous" ]; then
    say "applying configuration"
    if ! iotedge config apply -c "$config"; then
        show_logs
        die "iotedge config apply failed"
    fi
    result=changed
else
    say "configuration already applied"
fi

# Health. `iotedge system status` (1.2+) lists each service as Running / Ready / Down - ...;
# seed 000 documents the older plain "Ok". Healthy = aziot-edged Running and nothing Down, or Ok.
healthy() {
    status=$(iotedge system status 2>&1) || return 1
    if printf '%s\n' "$status" | grep -q -x '[[:space:]]*Ok[[:space:]]*'; then
        return 0
    fi
    printf '%s\n' "$status" | grep -q '^[[:space:]]*aziot-edged[[:space:]][[:space:]]*Running' &&
        ! printf '%s\n' "$status" | grep -q 'Down'
}

deadline=$(($(date +%s) + HEALTH_TIMEOUT))
until healthy; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        printf '%s\n' "$status" >&2
        show_logs
        die "IoT Edge did not report healthy within ${HEALTH_TIMEOUT}s"
    fi
    sleep 2
done
say "iotedge system status: healthy"

# `iotedge check`. CHECK_MODE=configuration fails only on errors in the "Configuration checks"
# sections; connectivity checks need the internet and IoT Hub, so they only fail the step with
# CHECK_MODE=all (which fails on any non-zero exit).
if [ "$CHECK_MODE" != none ]; then
    set -- check
    [ -z "$EXPECTED_EDGED_VERSION" ] || set -- "$@" --expected-aziot-edged-version "$EXPECTED_EDGED_VERSION"
    check_rc=0
    check_out=$(iotedge "$@" 2>&1) || check_rc=$?
    printf '%s\n' "$check_out"
    case "$CHECK_MODE" in
        all)
            [ "$check_rc" = 0 ] || {
                show_logs
                die "iotedge check failed (exit $check_rc)"
            }
            ;;
        configuration)
            config_errors=$(printf '%s\n' "$check_out" | awk '
                /^[A-Za-z]/ { section = $0 }
                section ~ /^Configuration checks/ && (/×/ || /^[[:space:]]*\[ERROR\]/ || / - Error$/) { print }
            ')
            if [ -n "$config_errors" ]; then
                printf '%s\n' "$config_errors" >&2
                show_logs
                die "iotedge check reported configuration errors"
            fi
            ;;
        *) die "unknown CHECK_MODE $CHECK_MODE" ;;
    esac
fi

printf '%s\n' "$wanted" >"$applied.tmp"
mv -f "$applied.tmp" "$applied"
say "result: $result"
