/**
 * The fleet model: one typed description of a whole IoT Edge fleet, read from the stack's
 * config key `iotedge-fleet:fleet` (stacks/Pulumi.<stack>.yaml). Everything else reads the
 * resolved form of it (resolve.ts), never the raw config.
 *
 * Pure: no Pulumi import. The shape is checked here (zod); cross-field rules live in validate.ts.
 *
 * Secrets never sit in the fleet object itself: a field ending in `Secret` names another config
 * key, set with `pulumi config set --secret <key> ...`, that holds the value. The fleet object can
 * so be shown in a plan or a diff, and the stack file keeps each secret encrypted on its own.
 */
import { z } from "zod";

/** Name of another config key that holds a secret value (`pulumi config set --secret`). */
const secretRef = z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, "must be a config key name (letters, digits, _ . -)");

const tags = z.record(z.string(), z.string());

/** A JSON object (device twin tags, desired properties). */
const jsonObject = z.record(z.string(), z.unknown());

/**
 * Certificate renewal policy value. FACTS.md §2 (cert-renewal policy.rs): `<1-99>%`, `<n>min`
 * or `<n>day`; `4d`/`10m`/`10d` are rejected by the parser even though a Microsoft page suggests
 * `10d`. Checked in validate.ts so the message can name the rule.
 */
const renewalPolicy = z.string();

/**
 * `auto_renew` / `identity_auto_renew`: when the table is present, all three keys are required
 * by the parser (FACTS.md §2), so they are all required here too.
 */
export const autoRenewSchema = z.strictObject({
    rotateKey: z.boolean(),
    threshold: renewalPolicy,
    retry: renewalPolicy,
});

export const keyAlgorithmSchema = z.enum(["ECDSA-P256", "RSA-2048"]);

export const caSchema = z.strictObject({
    /** Stable name, used to reference the CA (`issuer`, enrollment groups, devices). */
    name: z.string().min(1),
    /** Common name of the generated CA certificate. */
    commonName: z.string().min(1).optional(),
    organization: z.string().min(1).optional(),
    /** Name of the CA that signs this one; absent for a self-signed root. */
    issuer: z.string().optional(),
    keyAlgorithm: keyAlgorithmSchema.optional(),
    validityDays: z.number().int().positive().optional(),
    earlyRenewalDays: z.number().int().nonnegative().optional(),
    /**
     * Bring an existing CA instead of generating one: its certificate (PEM, plain config) and
     * the config key of its private key (secret).
     */
    import: z
        .strictObject({
            certificatePem: z.string().min(1),
            privateKeySecret: secretRef,
            /** PEM of the CAs above it, up to the root, for full chains and the trust bundle. */
            chainPem: z.string().min(1).optional(),
        })
        .optional(),
    /** Upload this CA's certificate to DPS / every hub as a verified certificate. */
    verifiedIn: z.array(z.enum(["dps", "hubs"])).optional(),
});

export const pkiSchema = z.strictObject({
    keyAlgorithm: keyAlgorithmSchema.optional(),
    cas: z.array(caSchema).min(1),
    /** CA that issues device identity and Edge CA certificates unless a device says otherwise. */
    defaultIssuer: z.string().optional(),
    /** Lifetimes of per-device certificates. */
    deviceCertificates: z
        .strictObject({
            identityValidityDays: z.number().int().positive().optional(),
            edgeCaValidityDays: z.number().int().positive().optional(),
            earlyRenewalDays: z.number().int().nonnegative().optional(),
        })
        .optional(),
});

export const hubSchema = z.strictObject({
    /** IoT Hub resource name (globally unique: it is the host name `<name>.azure-devices.net`). */
    name: z.string().min(3).max(50),
    location: z.string().min(1).optional(),
    sku: z
        .strictObject({
            name: z.enum(["F1", "S1", "S2", "S3", "B1", "B2", "B3"]),
            capacity: z.number().int().positive().optional(),
        })
        .optional(),
    /** Minimum TLS version clients must use. */
    minTlsVersion: z.enum(["1.2"]).optional(),
    /** Disable SAS (local) authentication on the hub's data plane. */
    disableLocalAuth: z.boolean().optional(),
    tags: tags.optional(),
});

export const allocationPolicySchema = z.enum(["hashed", "geoLatency", "static"]);

export const dpsSchema = z.strictObject({
    name: z.string().min(3).max(64),
    location: z.string().min(1).optional(),
    sku: z.strictObject({ capacity: z.number().int().positive().optional() }).optional(),
    allocationPolicy: allocationPolicySchema.optional(),
    /** The hubs DPS links to and may assign devices to. */
    links: z
        .array(
            z.strictObject({
                hub: z.string(),
                allocationWeight: z.number().int().nonnegative().optional(),
                applyAllocationPolicy: z.boolean().optional(),
            }),
        )
        .min(1),
    tags: tags.optional(),
});

const reprovisionPolicySchema = z.strictObject({
    updateHubAssignment: z.boolean(),
    migrateDeviceData: z.boolean(),
});

/** Options an enrollment (group or individual) carries to DPS. */
const enrollmentOptions = {
    /** Devices provisioned through it are IoT Edge devices (seed 002: "edge-enabled"). */
    iotEdge: z.boolean().optional(),
    initialTwin: z
        .strictObject({ tags: jsonObject.optional(), desiredProperties: jsonObject.optional() })
        .optional(),
    provisioningStatus: z.enum(["enabled", "disabled"]).optional(),
    reprovisionPolicy: reprovisionPolicySchema.optional(),
    allocationPolicy: allocationPolicySchema.optional(),
    /** Names of linked hubs this enrollment may assign to (default: all linked hubs). */
    hubs: z.array(z.string()).optional(),
};

export const enrollmentGroupSchema = z.strictObject({
    /** DPS enrollment group ID. */
    name: z.string().min(1).max(128),
    attestation: z.discriminatedUnion("type", [
        z.strictObject({
            type: z.literal("symmetricKey"),
            /** Config key of an existing group key (base64); generated with @pulumi/random if absent. */
            primaryKeySecret: secretRef.optional(),
            secondaryKeySecret: secretRef.optional(),
        }),
        z.strictObject({
            type: z.literal("x509"),
            /** CA (from `pki.cas`) whose certificate is the group's signing certificate. */
            ca: z.string(),
            secondaryCa: z.string().optional(),
        }),
    ]),
    ...enrollmentOptions,
});

const individualEnrollmentSchema = z.strictObject(enrollmentOptions);

/** How a device gets its cloud identity: one variant per procedure in ../shared/seeds/. */
export const provisioningSchema = z.discriminatedUnion("method", [
    /** Seed 000: IoT Hub device identity with two X.509 thumbprints (or CA-signed). */
    z.strictObject({
        method: z.literal("manual-x509"),
        hub: z.string(),
        authentication: z.enum(["selfSigned", "certificateAuthority"]).optional(),
    }),
    /** IoT Hub device identity with SAS keys; config.toml references the key file. */
    z.strictObject({
        method: z.literal("manual-symmetric-key"),
        hub: z.string(),
    }),
    /**
     * A device registered outside this stack: its connection string, from secret config. Rendered
     * as the equivalent manual SAS form (host, device ID, key file), since config.toml must carry
     * no secret and the parser takes exactly HostName, DeviceId and SharedAccessKey from it.
     */
    z.strictObject({
        method: z.literal("manual-connection-string"),
        hub: z.string(),
        connectionStringSecret: secretRef,
    }),
    /** Seed 002: DPS symmetric key, individual enrollment or derived key of a group. */
    z.strictObject({
        method: z.literal("dps-symmetric-key"),
        enrollmentGroup: z.string().optional(),
        individual: individualEnrollmentSchema.optional(),
    }),
    /** Seed 001: DPS X.509, CA-based group enrollment or individual enrollment. */
    z.strictObject({
        method: z.literal("dps-x509"),
        enrollmentGroup: z.string().optional(),
        individual: individualEnrollmentSchema.optional(),
    }),
    /** Seed 003: DPS X.509 with the identity certificate issued (and renewed) by an EST server. */
    z.strictObject({
        method: z.literal("dps-x509-est"),
        enrollmentGroup: z.string(),
        identityAutoRenew: autoRenewSchema.optional(),
    }),
    /** DPS TPM attestation, individual enrollment with the TPM's endorsement key. */
    z.strictObject({
        method: z.literal("dps-tpm"),
        endorsementKey: z.string().min(1),
        individual: individualEnrollmentSchema.optional(),
    }),
]);

/** The device's Edge CA: seed 003 "Manage Edge CA". */
export const edgeCaSchema = z.discriminatedUnion("mode", [
    /** A CA certificate issued by our PKI, placed as files (production). */
    z.strictObject({
        mode: z.literal("pki"),
        commonName: z.string().min(1).max(64).optional(),
        issuer: z.string().optional(),
    }),
    /** IoT Edge generates its own Edge CA (not for production). */
    z.strictObject({
        mode: z.literal("quickstart"),
        expiryDays: z.number().int().positive().optional(),
        autoRenew: autoRenewSchema.optional(),
    }),
    /** Edge CA issued by the EST server (`[edge_ca] method = "est"`). */
    z.strictObject({
        mode: z.literal("est"),
        commonName: z.string().min(1).max(64).optional(),
        autoRenew: autoRenewSchema.optional(),
    }),
]);

/** An EST server (seed 003 "Automatic certificate management with EST server"). */
export const estSchema = z.strictObject({
    url: z.string().url(),
    /** CA that signs the EST server's TLS certificate, PEM (plain config). */
    trustedCaPem: z.string().min(1).optional(),
    /**
     * Authenticate to EST with a bootstrap identity certificate issued by this CA of ours.
     * Basic auth is not offered: its password would sit inside config.toml.
     */
    bootstrapIssuer: z.string(),
});

const sshEndpoint = z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    user: z.string().min(1).optional(),
    /** Config key of the SSH private key (secret). */
    privateKeySecret: secretRef.optional(),
});

export const sshSchema = sshEndpoint.extend({
    /** A bastion the connection goes through. */
    jump: sshEndpoint.optional(),
});

export const versionsSchema = z.strictObject({
    /** apt version of `aziot-edge`, e.g. "1.5.21-1". */
    aziotEdge: z.string().min(1).optional(),
    /** apt version of `aziot-identity-service`, e.g. "1.5.6-1". */
    aziotIdentityService: z.string().min(1).optional(),
    /** apt version of `moby-engine` (and `moby-cli`); absent = whatever the repository has. */
    moby: z.string().min(1).optional(),
});

/** Settings a device takes from `defaults` unless it sets them itself. */
const deviceSettings = {
    ssh: sshSchema.partial().optional(),
    versions: versionsSchema.optional(),
    edgeCa: edgeCaSchema.optional(),
    /** CA that issues this device's identity certificate (X.509 modes). */
    issuer: z.string().optional(),
    est: estSchema.optional(),
    /** `auto_reprovisioning_mode` (FACTS.md §2: exact strings). */
    autoReprovisioningMode: z.enum(["Dynamic", "AlwaysOnStartup", "OnErrorOnly"]).optional(),
    /** `cloud_timeout_sec`: at least 70 (FACTS.md §2). Checked in validate.ts. */
    cloudTimeoutSec: z.number().int().optional(),
    cloudRetries: z.number().int().nonnegative().optional(),
    /** edgeAgent image, e.g. "mcr.microsoft.com/azureiotedge-agent:1.5". */
    agentImage: z.string().min(1).optional(),
    /** Add the root CA to the OS trust store too, for host-level modules. */
    osTrustStore: z.boolean().optional(),
    /** Purge the IoT Edge packages when the device is removed from the fleet. */
    purgeOnDelete: z.boolean().optional(),
    /** IoT Edge for Linux on Windows: the SSH host is the Windows machine. */
    kind: z.enum(["linux", "eflow"]).optional(),
    tags: tags.optional(),
};

export const deviceSchema = z.strictObject({
    /** IoT Hub device ID. */
    deviceId: z.string(),
    /** DPS registration ID; defaults to the device ID. */
    registrationId: z.string().optional(),
    /** `hostname` in config.toml; must be the machine's hostname or an FQDN starting with it. */
    hostname: z.string().optional(),
    /** Parent gateway's hostname, for nested edge (not with DPS: FACTS.md §2). */
    parentHostname: z.string().optional(),
    /** Parent IoT Edge device ID (nested edge, manual provisioning). */
    parentDeviceId: z.string().optional(),
    provisioning: provisioningSchema,
    ...deviceSettings,
});

/**
 * A fleet stack's platform: the stack (in this project) that declares the hubs, DPS, CAs and
 * enrollment groups. The fleet stack reads that stack's model from its stack file (same repo,
 * for validation and the graph's shape) and its values through a `pulumi.StackReference`.
 */
export const platformRefSchema = z.strictObject({
    /** Stack name of the platform stack in this project, e.g. "platform-prod". */
    stack: z.string().regex(/^[A-Za-z0-9._-]+$/, "must be a stack name"),
    /**
     * Fully qualified name for the StackReference (`org/project/stack`); defaults to the
     * stack name, which Pulumi resolves in the current organization and project.
     */
    reference: z.string().min(1).optional(),
});

/** The parts of a fleet a fleet stack takes from its platform stack, not from its own file. */
export const PLATFORM_FIELDS = ["resourceGroup", "hubs", "dps", "pki", "enrollmentGroups"] as const;

export const fleetSchema = z.strictObject({
    /** Environment name, shown in the plan and used in tags. */
    environment: z.string().min(1),
    /** Set in a fleet stack: the platform stack whose cloud side and CAs its devices use. */
    platform: platformRefSchema.optional(),
    /** Production stacks get the strict guardrails of the policy pack. */
    production: z.boolean().optional(),
    resourceGroup: z.strictObject({
        name: z.string().min(1).max(90),
        location: z.string().min(1),
    }),
    tags: tags.optional(),
    hubs: z.array(hubSchema).optional(),
    dps: dpsSchema.optional(),
    pki: pkiSchema,
    enrollmentGroups: z.array(enrollmentGroupSchema).optional(),
    defaults: z.strictObject(deviceSettings).optional(),
    devices: z.array(deviceSchema),
});

export type FleetConfig = z.infer<typeof fleetSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type ProvisioningConfig = z.infer<typeof provisioningSchema>;
export type EdgeCaConfig = z.infer<typeof edgeCaSchema>;
export type EnrollmentGroupConfig = z.infer<typeof enrollmentGroupSchema>;
export type CaConfig = z.infer<typeof caSchema>;
export type HubConfig = z.infer<typeof hubSchema>;
export type DpsConfig = z.infer<typeof dpsSchema>;
export type AutoRenewConfig = z.infer<typeof autoRenewSchema>;
export type EstConfig = z.infer<typeof estSchema>;
export type KeyAlgorithm = z.infer<typeof keyAlgorithmSchema>;
export type AllocationPolicy = z.infer<typeof allocationPolicySchema>;
export type PlatformRef = z.infer<typeof platformRefSchema>;
export type ProvisioningMethod = ProvisioningConfig["method"];
