/**
 * Shared mocks and fixtures for the cloud graph tests. `installMocks()` must run before the
 * components are imported (`await import(...)`) and before any resource is declared.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** Pulumi's wire marker for a secret value (kept in mock inputs). */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    custom: boolean;
}

export const recorded: Recorded[] = [];
export const calls: { token: string; inputs: Record<string, unknown> }[] = [];

/** Deterministic base64 "key" of 32 bytes from a label. */
export function fakeKey(label: string): string {
    return crypto.createHash("sha256").update(label).digest("base64");
}

export const hubHost = (hub: string) => `${hub}.azure-devices.net`;
export const dpsHost = (dps: string) => `${dps}.azure-devices-provisioning.net`;
export const ID_SCOPE = "0ne00ABCDEF";
export const hubPolicyKey = (hub: string, policy: string) => fakeKey(`hub:${hub}:${policy}`);
export const dpsPolicyKey = (dps: string, policy: string) => fakeKey(`dps:${dps}:${policy}`);
export const randomKey = (resourceName: string) => fakeKey(`random:${resourceName}`);
export const deviceScope = (deviceId: string) =>
    `ms-azure-iot-edge://${deviceId}-637000000000000000`;

export const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs): {
        id: string;
        state: Record<string, unknown>;
    } {
        recorded.push({
            type: args.type,
            name: args.name,
            inputs: args.inputs,
            custom: args.custom ?? true,
        });
        const inputs = args.inputs as Record<string, any>;
        switch (args.type) {
            case "azure-native:resources:ResourceGroup":
                return {
                    id: `/rg/${inputs.resourceGroupName}`,
                    state: { ...inputs, name: inputs.resourceGroupName },
                };
            case "azure-native:iothub:IotHubResource":
                return {
                    id: `/hubs/${inputs.resourceName}`,
                    state: {
                        ...inputs,
                        name: inputs.resourceName,
                        properties: {
                            ...inputs.properties,
                            hostName: hubHost(inputs.resourceName),
                        },
                    },
                };
            case "azure-native:deviceprovisioningservices:IotDpsResource": {
                // Like the engine: an output is secret when its input was (here all of
                // `properties`, since it holds the linked hubs' connection strings).
                const secret = isSecretMarker(inputs.properties);
                const properties = {
                    ...(secret
                        ? (inputs.properties as { value: object }).value
                        : inputs.properties),
                    idScope: ID_SCOPE,
                    serviceOperationsHostName: dpsHost(inputs.provisioningServiceName),
                    deviceProvisioningHostName: "global.azure-devices-provisioning.net",
                };
                return {
                    id: `/dps/${inputs.provisioningServiceName}`,
                    state: {
                        ...inputs,
                        name: inputs.provisioningServiceName,
                        properties: secret
                            ? { [SECRET_SIG]: SECRET_VALUE, value: properties }
                            : properties,
                    },
                };
            }
            case "random:index/randomBytes:RandomBytes":
                return {
                    id: args.name,
                    state: { ...inputs, base64: randomKey(args.name), hex: "00" },
                };
            case "pulumi-nodejs:dynamic/iotedge:EnrollmentGroup":
            case "pulumi-nodejs:dynamic/iotedge:IndividualEnrollment":
            case "pulumi-nodejs:dynamic/iotedge:HubDeviceIdentity": {
                const id = String(
                    inputs.enrollmentGroupId ?? inputs.registrationId ?? inputs.deviceId,
                );
                const state: Record<string, unknown> = { ...inputs, etag: "etag-1" };
                if (inputs.enrollmentGroupId === undefined && inputs.registrationId === undefined) {
                    state.deviceScope = deviceScope(String(inputs.deviceId));
                }
                return { id, state };
            }
            default:
                return { id: `${args.name}-id`, state: inputs };
        }
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        calls.push({ token: args.token, inputs: args.inputs });
        const i = args.inputs as Record<string, string>;
        switch (args.token) {
            case "azure-native:iothub:listIotHubResourceKeysForKeyName":
                return {
                    keyName: i.keyName,
                    primaryKey: hubPolicyKey(i.resourceName, i.keyName),
                    secondaryKey: fakeKey("unused"),
                    rights: "whatever",
                };
            case "azure-native:deviceprovisioningservices:listIotDpsResourceKeysForKeyName":
                return {
                    keyName: i.keyName,
                    primaryKey: dpsPolicyKey(i.provisioningServiceName, i.keyName),
                    rights: "ServiceConfig, EnrollmentRead, EnrollmentWrite",
                };
            default:
                throw new Error(`unexpected call ${args.token}`);
        }
    },
};

export function installMocks(): void {
    pulumi.runtime.setMocks(mocks, "iotedge-fleet", "test", false);
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/**
 * Resource options that collect every resource declared under a component (transformations
 * are inherited by children), and a function that waits until all of them are registered.
 */
export function collector(): {
    opts: pulumi.ComponentResourceOptions;
    settled: () => Promise<void>;
    resources: pulumi.Resource[];
} {
    const resources: pulumi.Resource[] = [];
    return {
        resources,
        opts: {
            transformations: [
                (a) => {
                    resources.push(a.resource);
                    return undefined;
                },
            ],
        },
        settled: async () => {
            await Promise.all(resources.map((r) => promiseOf(r.urn)));
        },
    };
}

export function isSecretMarker(v: unknown): v is { value: unknown } {
    return (
        typeof v === "object" &&
        v !== null &&
        (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE
    );
}

/** Whether the value at `path` is secret, itself or through an enclosing object. */
export function secretAlong(v: unknown, path: (string | number)[]): boolean {
    if (isSecretMarker(v)) return true;
    if (path.length === 0 || typeof v !== "object" || v === null) return false;
    return secretAlong((v as Record<string | number, unknown>)[path[0]], path.slice(1));
}

/** A value with every secret marker replaced by its value. */
export function reveal(v: unknown): any {
    if (isSecretMarker(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(
            Object.entries(v)
                .filter(([k]) => k !== "__provider")
                .map(([k, x]) => [k, reveal(x)]),
        );
    }
    return v;
}

/** Custom resources recorded under names starting with `prefix`. */
export function customs(prefix: string): Recorded[] {
    return recorded.filter((r) => r.custom && r.name.startsWith(prefix));
}

export function one(prefix: string, type: string, name: string): Recorded {
    const found = recorded.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        const names = customs(prefix)
            .map((r) => `${r.type} ${r.name}`)
            .join("\n  ");
        throw new Error(
            `expected one ${type} named ${name}, found ${found.length}; recorded:\n  ${names}`,
        );
    }
    return found[0];
}

/** PEM-looking test certificates (content is never parsed by the cloud components). */
export const pem = (label: string) =>
    `-----BEGIN CERTIFICATE-----\n${Buffer.from(`cert:${label}`).toString("base64")}\n-----END CERTIFICATE-----\n`;

export const SHA1 = (label: string) =>
    crypto.createHash("sha1").update(label).digest("hex").toUpperCase();

/** A raw fleet config covering every provisioning method. */
export function rawFleet(extraDevices: unknown[] = []): Record<string, unknown> {
    return {
        environment: "test",
        resourceGroup: { name: "rg-fleet", location: "westeurope" },
        tags: { env: "test" },
        hubs: [
            { name: "hub-a", minTlsVersion: "1.2", sku: { name: "S2", capacity: 2 } },
            { name: "hub-b", location: "northeurope", tags: { role: "spare" } },
        ],
        dps: {
            name: "dps-fleet",
            allocationPolicy: "geoLatency",
            sku: { capacity: 2 },
            links: [
                { hub: "hub-a" },
                { hub: "hub-b", allocationWeight: 3, applyAllocationPolicy: false },
            ],
        },
        pki: {
            cas: [
                { name: "root", verifiedIn: ["dps", "hubs"] },
                { name: "devices", issuer: "root" },
            ],
        },
        enrollmentGroups: [
            {
                name: "sym-group",
                attestation: { type: "symmetricKey" },
                initialTwin: { tags: { site: "plant-1" }, desiredProperties: { tier: "gold" } },
                reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
                hubs: ["hub-b"],
            },
            {
                name: "x509-group",
                attestation: { type: "x509", ca: "devices" },
                provisioningStatus: "disabled",
            },
            { name: "verified-group", attestation: { type: "x509", ca: "root" } },
        ],
        defaults: {
            ssh: { host: "10.0.0.1", user: "edge" },
            versions: { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" },
        },
        devices: [
            { deviceId: "gw-1", provisioning: { method: "manual-x509", hub: "hub-a" } },
            {
                deviceId: "child-1",
                parentDeviceId: "gw-1",
                parentHostname: "gw-1.local",
                provisioning: { method: "manual-symmetric-key", hub: "hub-a" },
            },
            {
                deviceId: "ca-dev",
                provisioning: {
                    method: "manual-x509",
                    hub: "hub-b",
                    authentication: "certificateAuthority",
                },
            },
            {
                deviceId: "ext-1",
                provisioning: {
                    method: "manual-connection-string",
                    hub: "hub-a",
                    connectionStringSecret: "ext1Conn",
                },
            },
            {
                deviceId: "sym-1",
                provisioning: { method: "dps-symmetric-key", enrollmentGroup: "sym-group" },
            },
            {
                deviceId: "sym-2",
                registrationId: "sym-2-reg",
                provisioning: { method: "dps-symmetric-key", enrollmentGroup: "sym-group" },
            },
            {
                deviceId: "symind-1",
                provisioning: {
                    method: "dps-symmetric-key",
                    individual: {
                        initialTwin: { tags: { owner: "ops" } },
                        hubs: ["hub-a"],
                        allocationPolicy: "static",
                    },
                },
            },
            {
                deviceId: "x-1",
                provisioning: { method: "dps-x509", enrollmentGroup: "x509-group" },
            },
            { deviceId: "xind-1", provisioning: { method: "dps-x509", individual: {} } },
            {
                deviceId: "est-1",
                est: { url: "https://est.example.com/.well-known/est", bootstrapIssuer: "devices" },
                provisioning: { method: "dps-x509-est", enrollmentGroup: "x509-group" },
            },
            {
                deviceId: "tpm-1",
                provisioning: { method: "dps-tpm", endorsementKey: "AToAAQALAAMAsgAg" },
            },
            ...extraDevices,
        ],
    };
}

/** Certificate inputs for rawFleet's devices and CAs. */
export const CA_PEMS = { root: pem("root"), devices: pem("devices") };
export const DEVICE_CERTS = {
    "gw-1": {
        primaryThumbprint: SHA1("gw-1/primary"),
        secondaryThumbprint: SHA1("gw-1/secondary"),
    },
    "xind-1": { primaryCertPem: pem("xind-1") },
};
export const CONFIG_SECRETS: Record<string, string> = {
    ext1Conn: `HostName=hub-a.azure-devices.net;DeviceId=ext-1;SharedAccessKey=${fakeKey("ext-1")}`,
    groupPrimary: fakeKey("config-group-primary"),
};
export const secretLookup = (key: string) => {
    if (!(key in CONFIG_SECRETS)) throw new Error(`no config ${key}`);
    return pulumi.secret(CONFIG_SECRETS[key]);
};
