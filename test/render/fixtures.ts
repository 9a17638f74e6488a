/**
 * A small fleet builder for the config.toml tests: every device goes through the real model
 * (`checkFleet`: schema, defaults, cross-field rules), so the renderer is tested on what the
 * program really passes it.
 */
import { checkFleet, fleetSchema, resolveFleet, ResolvedDevice } from "../../components/fleet";
import { CloudFacts } from "../../components/device/render";

/** Raw device config as a user writes it under `fleet.devices[]` (checked by the schema). */
export type RawDevice = Record<string, unknown> & { deviceId: string; provisioning: unknown };

/** Cloud facts the tests render with (plain strings, as the caller unwraps them). */
export const CLOUD: CloudFacts = {
    idScope: "0ne00ABCDEF",
    hubHostName: "contoso-iot-test.azure-devices.net",
};

/** PEM-looking placeholder of the EST server's TLS CA (plain config in the fleet). */
export const EST_TRUSTED_CA_PEM =
    "-----BEGIN CERTIFICATE-----\nTUFSS0VSLUVTVC1UUlVTVEVELUNB\n-----END CERTIFICATE-----\n";

/** A fleet with one hub, a DPS, a two-level PKI and one group of each attestation type. */
export function rawFleet(devices: RawDevice[], defaults: Record<string, unknown> = {}): unknown {
    return {
        environment: "test",
        resourceGroup: { name: "rg-test", location: "westeurope" },
        hubs: [{ name: "contoso-iot-test" }],
        dps: { name: "contoso-dps-test", links: [{ hub: "contoso-iot-test" }] },
        pki: {
            cas: [
                { name: "root", commonName: "Test Root CA" },
                { name: "devices", issuer: "root", commonName: "Test Devices CA" },
                { name: "est-bootstrap", issuer: "root" },
            ],
        },
        enrollmentGroups: [
            { name: "edge-x509", attestation: { type: "x509", ca: "devices" } },
            { name: "edge-symmetric", attestation: { type: "symmetricKey" } },
        ],
        defaults: {
            ssh: { user: "edgeadmin", host: "10.0.0.10" },
            versions: { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" },
            ...defaults,
        },
        devices,
    };
}

/** An EST server setting (seed 003), with a trusted CA unless told otherwise. */
export function estServer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        url: "https://est.contoso.test/.well-known/est",
        trustedCaPem: EST_TRUSTED_CA_PEM,
        bootstrapIssuer: "est-bootstrap",
        ...overrides,
    };
}

/** Resolve a whole fleet, throwing with every problem when checkFleet rejects it. */
export function resolveDevices(
    devices: RawDevice[],
    defaults: Record<string, unknown> = {},
): ResolvedDevice[] {
    const result = checkFleet(rawFleet(devices, defaults));
    if (!result.ok) {
        throw new Error(
            "fixture fleet rejected by checkFleet:\n" +
                result.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n"),
        );
    }
    return result.fleet.devices;
}

/**
 * Resolve through the schema and defaults only, skipping checkFleet's cross-field rules (which
 * include configProblems): for testing those rules on devices checkFleet would reject.
 */
export function resolveDevicesUnchecked(
    devices: RawDevice[],
    defaults: Record<string, unknown> = {},
): ResolvedDevice[] {
    return resolveFleet(fleetSchema.parse(rawFleet(devices, defaults))).devices;
}

/** Resolve one device (alone in its fleet). */
export function device(raw: RawDevice, defaults: Record<string, unknown> = {}): ResolvedDevice {
    return resolveDevices([raw], defaults)[0];
}

/**
 * One raw device per provisioning variant (seeds 000-003), each with the default `pki` Edge CA.
 * Keys are the golden file names' stems.
 */
export const PROVISIONING_CASES: Record<string, RawDevice> = {
    "manual-x509": {
        deviceId: "edge-manual-x509",
        hostname: "edge-manual-x509.contoso.test",
        provisioning: { method: "manual-x509", hub: "contoso-iot-test" },
    },
    "manual-symmetric-key": {
        deviceId: "edge-manual-sas",
        provisioning: { method: "manual-symmetric-key", hub: "contoso-iot-test" },
    },
    "manual-connection-string": {
        deviceId: "edge-manual-cs",
        provisioning: {
            method: "manual-connection-string",
            hub: "contoso-iot-test",
            connectionStringSecret: "edgeManualCsConnectionString",
        },
    },
    "dps-symmetric-key-group": {
        deviceId: "edge-dps-sym-group",
        provisioning: { method: "dps-symmetric-key", enrollmentGroup: "edge-symmetric" },
    },
    "dps-symmetric-key-individual": {
        deviceId: "edge-dps-sym-individual",
        registrationId: "reg-dps-sym-individual",
        autoReprovisioningMode: "OnErrorOnly",
        provisioning: { method: "dps-symmetric-key", individual: {} },
    },
    "dps-x509-group": {
        deviceId: "edge-dps-x509-group",
        provisioning: { method: "dps-x509", enrollmentGroup: "edge-x509" },
    },
    "dps-x509-individual": {
        deviceId: "edge-dps-x509-individual",
        provisioning: { method: "dps-x509", individual: {} },
    },
    "dps-x509-est": {
        deviceId: "edge-dps-est",
        est: estServer(),
        provisioning: {
            method: "dps-x509-est",
            enrollmentGroup: "edge-x509",
            identityAutoRenew: { rotateKey: true, threshold: "80%", retry: "4%" },
        },
    },
    "dps-tpm": {
        deviceId: "edge-dps-tpm",
        autoReprovisioningMode: "AlwaysOnStartup",
        cloudTimeoutSec: 120,
        cloudRetries: 3,
        provisioning: { method: "dps-tpm", endorsementKey: "AToAAQALAAMAsgAg" },
    },
};

/** One raw device per Edge CA variant (seed 003 "Manage Edge CA"), all DPS symmetric key. */
export const EDGE_CA_CASES: Record<string, RawDevice> = {
    "edge-ca-pki": {
        deviceId: "edge-ca-pki",
        edgeCa: { mode: "pki", commonName: "Contoso Edge CA edge-ca-pki" },
        provisioning: { method: "dps-symmetric-key", enrollmentGroup: "edge-symmetric" },
    },
    "edge-ca-quickstart": {
        deviceId: "edge-ca-quickstart",
        edgeCa: { mode: "quickstart" },
        provisioning: { method: "dps-symmetric-key", enrollmentGroup: "edge-symmetric" },
    },
    "edge-ca-quickstart-auto-renew": {
        deviceId: "edge-ca-quickstart-renew",
        edgeCa: {
            mode: "quickstart",
            expiryDays: 30,
            autoRenew: { rotateKey: true, threshold: "90%", retry: "10min" },
        },
        provisioning: { method: "dps-symmetric-key", enrollmentGroup: "edge-symmetric" },
    },
    "edge-ca-est": {
        deviceId: "edge-ca-est",
        est: estServer({ trustedCaPem: undefined }),
        edgeCa: { mode: "est", commonName: "Contoso Edge CA edge-ca-est" },
        provisioning: { method: "dps-symmetric-key", enrollmentGroup: "edge-symmetric" },
    },
    "edge-ca-est-auto-renew": {
        deviceId: "edge-ca-est-renew",
        est: estServer(),
        edgeCa: {
            mode: "est",
            autoRenew: { rotateKey: false, threshold: "4day", retry: "1day" },
        },
        provisioning: { method: "dps-symmetric-key", enrollmentGroup: "edge-symmetric" },
    },
};

/** Nested edge (child of a gateway, manual provisioning) and a pinned agent image. */
export const OTHER_CASES: Record<string, RawDevice> = {
    "nested-child": {
        deviceId: "edge-child",
        hostname: "edge-child",
        parentHostname: "edge-gateway.contoso.test",
        agentImage: "contoso.azurecr.io/azureiotedge-agent:1.5.21",
        edgeCa: { mode: "quickstart", expiryDays: 365 },
        provisioning: { method: "manual-symmetric-key", hub: "contoso-iot-test" },
    },
};

/** Every golden case: stem → raw device. */
export const GOLDEN_CASES: Record<string, RawDevice> = {
    ...PROVISIONING_CASES,
    ...EDGE_CA_CASES,
    ...OTHER_CASES,
};
