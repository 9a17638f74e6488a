# Delete of the device (the install step's `delete`, which Pulumi runs after the files and apply
# steps are gone): stop IoT Edge, remove config.toml, the certificates and keys we placed and the
# certificates/keys IoT Edge generated from them (seed 003/004), optionally purge the packages
# (seed 000, "Uninstall IoT Edge").
# Parameters (non-secret, set by steps.ts): MANAGED_PATHS (space-separated paths from
# layout.ts), TRUST_STORE_PATH, PURGE (1 or 0).

if command -v iotedge >/dev/null 2>&1; then
    iotedge system stop || say "iotedge system stop failed; continuing"
fi

rm -f /etc/aziot/config.toml /etc/aziot/config.toml.prev
find /etc/aziot -maxdepth 1 -type f -name '.config.toml.iotedge-fleet.*' -exec rm -f {} + 2>/dev/null || :
# Written by `iotedge config apply` from our config.toml (FACTS.md §2); they point at our keys.
for svc in keyd certd identityd tpmd edged; do
    rm -f "/etc/aziot/$svc/config.d/00-super.toml"
done

for path in $MANAGED_PATHS; do
    rm -f "$path"
done
for dir in /var/aziot/certs /var/aziot/secrets; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 -type f -name '.iotedge-fleet.*' -exec rm -f {} + || :
    rmdir "$dir" 2>/dev/null || say "$dir is not empty; left in place"
done
rmdir /var/aziot 2>/dev/null || :

for generated in /var/lib/aziot/certd/certs /var/lib/aziot/keyd/keys; do
    if [ -d "$generated" ]; then
        find "$generated" -mindepth 1 -delete
    fi
done

if [ -n "$TRUST_STORE_PATH" ] && [ -e "$TRUST_STORE_PATH" ]; then
    rm -f "$TRUST_STORE_PATH"
    update-ca-certificates --fresh
fi

if [ "$PURGE" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive
    export DEBIAN_FRONTEND
    apt-get purge -y aziot-edge aziot-identity-service moby-engine moby-cli
fi

rm -rf "$STATE_DIR"
say "result: removed"
