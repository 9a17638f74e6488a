/**
 * Typed client for the IoT Hub registry device identities, api-version 2021-04-12
 * (../shared/reference/iothub-registry-devices-extract.json; FACTS.md §4).
 */
import { RestClient, RestOptions, ServiceConnection } from "./rest";

/** api-version of the registry operations (FACTS.md §4, registry extract). */
export const HUB_API_VERSION = "2021-04-12";

/** `AuthenticationMechanism` (registry extract). */
export interface AuthenticationMechanism {
    type: "sas" | "selfSigned" | "certificateAuthority" | "none";
    symmetricKey?: { primaryKey?: string | null; secondaryKey?: string | null };
    x509Thumbprint?: { primaryThumbprint?: string | null; secondaryThumbprint?: string | null };
}

/** `Device` (registry extract); read-only fields are only ever read. */
export interface Device {
    deviceId: string;
    status?: "enabled" | "disabled";
    statusReason?: string;
    authentication?: AuthenticationMechanism;
    capabilities?: { iotEdge: boolean };
    /** Auto-generated and immutable for edge devices; set on a leaf device to pick its parent. */
    deviceScope?: string;
    /** Edge devices: `[parent edge device's deviceScope]` (FACTS.md §4). */
    parentScopes?: string[];
    etag?: string;
    generationId?: string;
    connectionState?: string;
    [readOnly: string]: unknown;
}

/**
 * The hub wants `If-Match` as a quoted etag (`"<etag>"`) or the wildcard; an unquoted etag is
 * rejected with 412 "Invalid ETag" (FACTS.md §4; Node SDK `_ensureQuoted`).
 */
export function ensureQuoted(etag: string): string {
    if (etag === "*") {
        return etag;
    }
    return etag.startsWith('"') && etag.endsWith('"') && etag.length >= 2 ? etag : `"${etag}"`;
}

/** IoT Hub registry device identity operations. */
export class HubRegistryClient {
    private readonly rest: RestClient;

    constructor(connection: ServiceConnection, options: RestOptions = {}) {
        this.rest = new RestClient(connection, options);
    }

    /** GET /devices/{id}; undefined when it does not exist (404). */
    async getDevice(deviceId: string): Promise<Device | undefined> {
        const res = await this.rest.send(
            {
                method: "GET",
                path: `/devices/${encodeURIComponent(deviceId)}`,
                apiVersion: HUB_API_VERSION,
                operation: `GET device identity '${deviceId}'`,
            },
            true,
        );
        return res.status === 404 ? undefined : (res.body as Device);
    }

    /**
     * PUT /devices/{id}. Create: no `If-Match` ("should not be set when creating a device",
     * FACTS.md §4). Update: `etag` becomes a quoted `If-Match`, so a concurrent change fails
     * with 412 instead of being overwritten (the SDK's Registry always sends `"*"`).
     */
    async putDevice(device: Device, etag?: string): Promise<Device> {
        const res = await this.rest.send({
            method: "PUT",
            path: `/devices/${encodeURIComponent(device.deviceId)}`,
            apiVersion: HUB_API_VERSION,
            operation: `PUT device identity '${device.deviceId}'`,
            body: device,
            ifMatch: etag === undefined ? undefined : ensureQuoted(etag),
            redact: [
                device.authentication?.symmetricKey?.primaryKey ?? undefined,
                device.authentication?.symmetricKey?.secondaryKey ?? undefined,
            ],
        });
        return res.body as Device;
    }

    /**
     * DELETE /devices/{id} with `If-Match` = quoted etag, or `"*"` (what the Node SDK sends)
     * when unconditional; succeeds if the device is already gone.
     */
    async deleteDevice(deviceId: string, etag?: string): Promise<void> {
        await this.rest.send(
            {
                method: "DELETE",
                path: `/devices/${encodeURIComponent(deviceId)}`,
                apiVersion: HUB_API_VERSION,
                operation: `DELETE device identity '${deviceId}'`,
                ifMatch: etag === undefined ? '"*"' : ensureQuoted(etag),
            },
            true,
        );
    }
}
