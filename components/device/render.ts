/**
 * Renders a device's `/etc/aziot/config.toml` (IoT Edge 1.5) from the resolved fleet model.
 *
 * Pure: no Pulumi import. The caller unwraps the cloud values (ID scope, hub host name) from
 * their Outputs and passes plain strings; the same device and cloud facts always give the same
 * bytes, so the rendered file can be diffed in a plan.
 *
 * Structure and key names follow the official template
 * (../shared/reference/iotedge-template-1.5.toml, FACTS.md §1); where the template and the
 * parser disagree the parser decides (FACTS.md §2). The file carries no secret: every key is a
 * `file://` URI into the device layout (./layout.ts), never an inline `value`.
 *
 * Design notes (see also the report of issue 4 part 3):
 * - TOML is produced by smol-toml, never by string concatenation of values. smol-toml writes
 *   every nested object as a `[table]` (inline tables only inside arrays), so
 *   `symmetric_key = { uri = "..." }` comes out as a `[provisioning.attestation.symmetric_key]`
 *   sub-table with `uri = "..."`. Both spellings are the same TOML value (test/render checks it
 *   by parsing both), and the official super-config fixtures use the sub-table form too
 *   (Azure/iotedge `edgelet/iotedge/test-files/config/ca-certs-est/super-config.toml`:
 *   `[provisioning.authentication.device_id_pk]`).
 * - smol-toml writes a table's plain keys before its sub-tables, so the top-level keys
 *   (`hostname`, `trust_bundle_cert`, ...) always precede `[provisioning]`, as TOML requires
 *   (FACTS.md §1 "must precede tables").
 * - `[moby_runtime]` is not emitted: when the table is given, both `uri` and `network` are
 *   required (FACTS.md §2), the model has no setting for either, and the parser's whole-table
 *   default is exactly the template's values (`unix:///var/run/docker.sock`,
 *   `azure-iot-edge`). Emitting it would only add a second place to keep those in sync.
 */
import { stringify } from "smol-toml";
import { DEFAULTS, isDpsMethod, ResolvedDevice, usesEst } from "../fleet/resolve";
import { AutoRenewConfig } from "../fleet/schema";
import { DeviceFileRole, fileUri } from "./layout";

/** Cloud values config.toml needs, already unwrapped from their Pulumi Outputs. */
export interface CloudFacts {
    /** DPS ID scope (`id_scope`); required for the `dps-*` methods. */
    idScope?: string;
    /** IoT Hub host name, e.g. `myhub.azure-devices.net`; required for the `manual-*` methods. */
    hubHostName?: string;
    /** DPS global endpoint; defaults to {@link DEFAULT_DPS_GLOBAL_ENDPOINT}. */
    dpsGlobalEndpoint?: string;
}

/** The DPS global device endpoint (template, "DPS provisioning with symmetric key"). */
export const DEFAULT_DPS_GLOBAL_ENDPOINT = "https://global.azure-devices-provisioning.net";

/** A TOML table as smol-toml stringifies it (insertion order is output order). */
type TomlTable = { [key: string]: TomlValue };
type TomlValue = string | number | boolean | string[] | TomlTable;

/**
 * Whether the device gets `trust_bundle_cert` = the root CA of our PKI (role `trust-bundle`).
 *
 * The trust bundle is what IoT Edge hands its modules to validate the servers they talk to
 * (seed 003, "Manage trusted root CA (trust bundle)"). It is needed when something on or around
 * the device presents a certificate that chains to our root:
 * - a `pki` Edge CA: edgeHub's server certificate is issued by the Edge CA, which our PKI issued;
 *   modules and downstream devices need the chain's root to validate it (seed 004 sets
 *   `trust_bundle_cert` together with `[edge_ca] cert/pk`);
 * - a nested (child) device: it validates its parent's edgeHub, whose Edge CA our PKI issued;
 * - `osTrustStore`: the device steps install the same root file into the OS store.
 *
 * The X.509 identity modes alone do not need it: the identity certificate is presented to IoT
 * Hub/DPS, which validate its chain themselves, and the device validates Azure's publicly
 * trusted server certificates. A quickstart Edge CA is self-signed and served by IoT Edge itself;
 * an EST-issued Edge CA chains to the EST server's CA, which the model does not describe.
 */
export function usesTrustBundle(device: ResolvedDevice): boolean {
    return (
        device.edgeCa.mode === "pki" || device.parentHostname !== undefined || device.osTrustStore
    );
}

/** Whether anything on the device is issued by the EST server (`[cert_issuance.est]`). */
export { usesEst };

/**
 * The files a device needs on disk for its modes, as layout roles (./layout.ts), sorted. These
 * are exactly the files {@link renderConfigToml} references, so the plan, the device steps and
 * config.toml agree (test/render checks the equality for every mode).
 */
export function deviceFileRoles(device: ResolvedDevice): DeviceFileRole[] {
    const roles = new Set<DeviceFileRole>();
    if (usesTrustBundle(device)) roles.add("trust-bundle");
    const p = device.provisioning;
    switch (p.method) {
        case "manual-x509":
        case "dps-x509":
            roles.add("identity-cert");
            roles.add("identity-key");
            break;
        case "manual-symmetric-key":
        case "manual-connection-string":
        case "dps-symmetric-key":
            roles.add("symmetric-key");
            break;
        case "dps-x509-est":
        case "dps-tpm":
            // EST issues the identity certificate; the TPM holds the key.
            break;
        default: {
            const exhaustive: never = p;
            throw new Error(`unknown provisioning method ${JSON.stringify(exhaustive)}`);
        }
    }
    if (device.edgeCa.mode === "pki") {
        roles.add("edge-ca-cert");
        roles.add("edge-ca-key");
    }
    if (usesEst(device) && device.est) {
        roles.add("est-bootstrap-cert");
        roles.add("est-bootstrap-key");
        if (device.est.trustedCaPem !== undefined) roles.add("est-trusted-certs");
    }
    return [...roles].sort();
}

/**
 * Render the device's config.toml. Throws when a cloud fact the device's method needs is
 * missing, or when the device needs an EST server it does not have (checkFleet reports that
 * first: fleet/validate.ts).
 *
 * @param device a device of a fleet that passed `checkFleet` (and `configProblems`).
 * @param cloud plain cloud values: `idScope` for DPS methods, `hubHostName` for manual ones.
 * @returns the file's text: a header comment, then the TOML document, ending in a newline.
 */
export function renderConfigToml(device: ResolvedDevice, cloud: CloudFacts): string {
    const doc: TomlTable = {};

    // Top-level keys, in template order; smol-toml keeps them before every table.
    if (device.hostname !== undefined) doc.hostname = device.hostname;
    if (device.parentHostname !== undefined) doc.parent_hostname = device.parentHostname;
    if (usesTrustBundle(device)) doc.trust_bundle_cert = fileUri("trust-bundle");
    if (isDpsMethod(device.provisioning.method)) {
        // Only DPS reprovisions; the template says the setting is ignored for manual
        // provisioning, so it is left out there rather than shown with no effect. A quoted
        // string: the template's unquoted `Dynamic` is invalid TOML (FACTS.md §2).
        doc.auto_reprovisioning_mode = device.autoReprovisioningMode;
    }
    // FACTS.md §2: at least 70 (validate.ts checks), or the identity service refuses to start.
    doc.cloud_timeout_sec = device.cloudTimeoutSec;
    doc.cloud_retries = device.cloudRetries;

    doc.provisioning = provisioningTable(device, cloud);

    if (usesEst(device)) {
        doc.cert_issuance = { est: estIssuanceTable(device) };
    }

    // FACTS.md §2: if `[agent]` is present, name, type and config.image are all required.
    doc.agent = {
        name: "edgeAgent",
        type: "docker",
        config: { image: device.agentImage },
    };

    doc.edge_ca = edgeCaTable(device);

    return header(device) + stringify(doc);
}

function header(device: ResolvedDevice): string {
    // JSON.stringify keeps the comment on one line whatever the ID holds.
    return [
        `# Generated by iotedge-fleet for IoT Edge device ${JSON.stringify(device.deviceId)}.`,
        "# Do not edit by hand: the next deployment overwrites this file. Change the fleet config",
        "# instead. Structure: /etc/aziot/config.toml.edge.template (IoT Edge 1.5).",
        "",
        "",
    ].join("\n");
}

function requireFact(value: string | undefined, what: string, device: ResolvedDevice): string {
    if (value === undefined || value === "") {
        throw new Error(
            `config.toml for device "${device.deviceId}" (${device.provisioning.method}) needs ${what}`,
        );
    }
    return value;
}

function provisioningTable(device: ResolvedDevice, cloud: CloudFacts): TomlTable {
    const p = device.provisioning;
    const manual = (authentication: TomlTable): TomlTable => ({
        source: "manual",
        iothub_hostname: requireFact(cloud.hubHostName, "the IoT Hub host name", device),
        device_id: device.deviceId,
        authentication,
    });
    const dps = (attestation: TomlTable): TomlTable => ({
        source: "dps",
        global_endpoint: cloud.dpsGlobalEndpoint ?? DEFAULT_DPS_GLOBAL_ENDPOINT,
        id_scope: requireFact(cloud.idScope, "the DPS ID scope", device),
        attestation,
    });
    switch (p.method) {
        case "manual-x509":
            // Seed 000; template "Manual provisioning with X.509 certificate".
            return manual({
                method: "x509",
                identity_pk: fileUri("identity-key"),
                identity_cert: fileUri("identity-cert"),
            });
        case "manual-symmetric-key":
        case "manual-connection-string":
            // A connection string is rendered as the equivalent SAS form: the parser only takes
            // HostName, DeviceId and SharedAccessKey from it (FACTS.md §2), and the key stays in
            // a file instead of config.toml. `device_id_pk = { uri = ... }` (template).
            return manual({
                method: "sas",
                device_id_pk: { uri: fileUri("symmetric-key") },
            });
        case "dps-symmetric-key":
            // Seed 002: group devices hold their derived key, individual ones the enrollment key.
            return dps({
                method: "symmetric_key",
                registration_id: device.registrationId,
                symmetric_key: { uri: fileUri("symmetric-key") },
            });
        case "dps-x509":
            // Seed 001: full-chain identity certificate from our PKI, as files, for group and
            // individual enrollments alike. No auto_renew: IoT Edge can only renew a certificate
            // it has an issuance method for, and never for an individual enrollment (template
            // warning; seed 003).
            return dps({
                method: "x509",
                registration_id: device.registrationId,
                identity_pk: fileUri("identity-key"),
                identity_cert: fileUri("identity-cert"),
            });
        case "dps-x509-est": {
            // Seed 003 "renew device identity certificate automatically with EST": CA-based
            // group enrollment (the schema requires the group), CN = registration ID (seed 001).
            const identityCert: TomlTable = {
                method: "est",
                common_name: device.registrationId,
            };
            if (p.identityAutoRenew) identityCert.auto_renew = autoRenewTable(p.identityAutoRenew);
            return dps({
                method: "x509",
                registration_id: device.registrationId,
                identity_cert: identityCert,
            });
        }
        case "dps-tpm":
            return dps({ method: "tpm", registration_id: device.registrationId });
        default: {
            const exhaustive: never = p;
            throw new Error(`unknown provisioning method ${JSON.stringify(exhaustive)}`);
        }
    }
}

function estIssuanceTable(device: ResolvedDevice): TomlTable {
    const est = device.est;
    if (!est) {
        throw new Error(
            `device "${device.deviceId}" uses EST but has no EST server (fleet/validate.ts)`,
        );
    }
    return {
        // Always present (the super-config field is a list, not optional); empty when the EST
        // server's TLS certificate is publicly trusted (seed 003: "optional if ... publicly
        // trusted").
        trusted_certs: est.trustedCaPem !== undefined ? [fileUri("est-trusted-certs")] : [],
        // Bootstrap X.509 auth only: never an empty `[cert_issuance.est.auth]` (certd rejects it,
        // FACTS.md §2) and no basic auth (its password would sit in this file).
        auth: {
            bootstrap_identity_cert: fileUri("est-bootstrap-cert"),
            bootstrap_identity_pk: fileUri("est-bootstrap-key"),
        },
        urls: { default: est.url },
    };
}

function edgeCaTable(device: ResolvedDevice): TomlTable {
    const ca = device.edgeCa;
    switch (ca.mode) {
        case "pki":
            // Preloaded files (seed 004; template "Edge CA certificate loaded from a file"). No
            // auto_renew: IoT Edge cannot renew a preloaded Edge CA (FACTS.md §2); our PKI
            // reissues it and the device steps replace the files.
            return { cert: fileUri("edge-ca-cert"), pk: fileUri("edge-ca-key") };
        case "quickstart": {
            // Written out even at the default 90 days, so the lifetime shows in the plan.
            const table: TomlTable = { auto_generated_edge_ca_expiry_days: ca.expiryDays };
            // Optional: IoT Edge renews a quickstart CA at 80% by default (seed 003).
            if (ca.autoRenew) table.auto_renew = autoRenewTable(ca.autoRenew);
            return table;
        }
        case "est": {
            // Seed 003 "automatic Edge CA management with EST": URL and auth come from
            // `[cert_issuance.est]` (FACTS.md §2: `url` falls back to the global one).
            const table: TomlTable = { method: "est" };
            if (ca.commonName !== undefined) table.common_name = ca.commonName;
            // Seed 003: "Automatic renewal for Edge CA must be enabled when issuance method is
            // set to EST", so the policy is always written out (the defaults when none is set).
            table.auto_renew = autoRenewTable(ca.autoRenew ?? DEFAULTS.autoRenew);
            return table;
        }
        default: {
            const exhaustive: never = ca;
            throw new Error(`unknown Edge CA mode ${JSON.stringify(exhaustive)}`);
        }
    }
}

/** FACTS.md §2: when an auto_renew table is present, all three keys are required. */
function autoRenewTable(r: AutoRenewConfig): TomlTable {
    return { rotate_key: r.rotateKey, threshold: r.threshold, retry: r.retry };
}
