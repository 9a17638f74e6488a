/**
 * Device connection strings. Pure: no Pulumi import.
 */

/**
 * The parts of a device connection string `iotedge config apply` reads: `HostName`,
 * `DeviceId`, `SharedAccessKey`, all required; other parts (e.g. `GatewayHostName`) ignored
 * (FACTS.md §2, aziotctl-common `parse_manual_connection_string`). Error messages name the
 * missing part and never echo the value.
 */
export function parseDeviceConnectionString(value: string): {
    hostName: string;
    deviceId: string;
    sharedAccessKey: string;
} {
    const parts = new Map<string, string>();
    for (const segment of value.split(";")) {
        const eq = segment.indexOf("=");
        if (eq <= 0) continue;
        // The key is base64 and may end in '=': split on the first '=' only.
        parts.set(segment.slice(0, eq).trim(), segment.slice(eq + 1).trim());
    }
    const get = (name: string) => {
        const v = parts.get(name);
        if (!v)
            throw new Error(`device connection string: required parameter "${name}" is missing`);
        return v;
    };
    return {
        hostName: get("HostName"),
        deviceId: get("DeviceId"),
        sharedAccessKey: get("SharedAccessKey"),
    };
}
