/**
 * Where IoT Edge expects certificates and keys on a device, and who owns them.
 *
 * Seed 003 (how-to-manage-device-certificates, IoT Edge 1.5), "Permission requirements":
 * - `/var/aziot/certs` is owned by `aziotcs`, mode 755; certificate files in it 644.
 * - `/var/aziot/secrets` is owned by `aziotks`, mode 700; key files in it 600.
 * config.toml (`/etc/aziot/config.toml`) references these files by `file://` URI, so it carries
 * no secret itself (../shared/STYLE.md, "Secrets").
 *
 * Pure: no Pulumi import. The renderer, the device steps and the plan all read this one table.
 */

export const CERTS_DIR = "/var/aziot/certs";
export const SECRETS_DIR = "/var/aziot/secrets";
export const CONFIG_PATH = "/etc/aziot/config.toml";

/** What a file on the device is for. */
export type DeviceFileRole =
    /** Root CA of our PKI, the device's `trust_bundle_cert`. */
    | "trust-bundle"
    /** Device identity certificate, full chain (leaf first). */
    | "identity-cert"
    /** Device identity private key. */
    | "identity-key"
    /** Edge CA certificate, full chain (Edge CA first). */
    | "edge-ca-cert"
    /** Edge CA private key. */
    | "edge-ca-key"
    /** Symmetric key (DPS symmetric key, manual SAS): raw key bytes, as aziot-keyd reads them. */
    | "symmetric-key"
    /** EST bootstrap identity certificate, used to authenticate to the EST server. */
    | "est-bootstrap-cert"
    /** EST bootstrap identity private key. */
    | "est-bootstrap-key"
    /** CA certificates that sign the EST server's TLS certificate. */
    | "est-trusted-certs";

export interface DeviceFileSpec {
    role: DeviceFileRole;
    path: string;
    owner: string;
    group: string;
    /** Octal mode as a string, e.g. "0644". */
    mode: string;
    /** True when the content is key material: delivered through stdin, never a command line. */
    secret: boolean;
}

const CERT = { owner: "aziotcs", group: "aziotcs", mode: "0644", secret: false } as const;
const KEY = { owner: "aziotks", group: "aziotks", mode: "0600", secret: true } as const;

/** One row per role: the path and ownership of each file IoT Edge reads. */
export const DEVICE_FILES: Readonly<Record<DeviceFileRole, DeviceFileSpec>> = {
    "trust-bundle": { role: "trust-bundle", path: `${CERTS_DIR}/root-ca.pem`, ...CERT },
    "identity-cert": { role: "identity-cert", path: `${CERTS_DIR}/device-id.pem`, ...CERT },
    "identity-key": { role: "identity-key", path: `${SECRETS_DIR}/device-id.key.pem`, ...KEY },
    "edge-ca-cert": { role: "edge-ca-cert", path: `${CERTS_DIR}/edge-ca.pem`, ...CERT },
    "edge-ca-key": { role: "edge-ca-key", path: `${SECRETS_DIR}/edge-ca.key.pem`, ...KEY },
    "symmetric-key": { role: "symmetric-key", path: `${SECRETS_DIR}/device-id.key`, ...KEY },
    "est-bootstrap-cert": {
        role: "est-bootstrap-cert",
        path: `${CERTS_DIR}/est-bootstrap-id.pem`,
        ...CERT,
    },
    "est-bootstrap-key": {
        role: "est-bootstrap-key",
        path: `${SECRETS_DIR}/est-bootstrap-id.key.pem`,
        ...KEY,
    },
    "est-trusted-certs": {
        role: "est-trusted-certs",
        path: `${CERTS_DIR}/est-trusted-ca.pem`,
        ...CERT,
    },
};

/** The directories themselves (seed 003: certs 755 aziotcs, secrets 700 aziotks). */
export const DEVICE_DIRS = [
    { path: CERTS_DIR, owner: "aziotcs", group: "aziotcs", mode: "0755" },
    { path: SECRETS_DIR, owner: "aziotks", group: "aziotks", mode: "0700" },
] as const;

/** `file://` URI of a role's file, as config.toml references it. */
export function fileUri(role: DeviceFileRole): string {
    return `file://${DEVICE_FILES[role].path}`;
}
