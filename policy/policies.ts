/**
 * The iotedge-fleet guardrails, as plain policy objects so tests can call `validateResource` /
 * `validateStack` directly (index.ts only hands them to `PolicyPack`).
 *
 * Production vs not: every policy that applies to production only reads `production` from its
 * own policy config, which the pipeline sets per environment (policy/config.<env>.json, see
 * policy/README.md). Outside production those policies mark themselves not applicable. The
 * bound policies (certificate lifetimes, TLS/local-auth settings) apply in every environment
 * with that environment's bounds. Enforcement levels are NOT decided here: every policy is
 * `advisory` by default and the production config file raises each one to `mandatory`, so a
 * pack run without a config file never blocks a deployment.
 *
 * Resources are matched on type tokens (./markers.ts), not with `validateResourceOfType`, so
 * the pack needs neither @pulumi/azure-native nor @pulumi/tls installed.
 */
import {
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    UnknownValueError,
} from "@pulumi/policy";

import {
    DEFAULT_ALLOWED_EDGE_CA_MODES,
    EdgeCaMode,
    edgeCaOf,
    looksLikeIotEdgeConfig,
} from "./edge-ca";
import {
    APPLY_STEP_SUFFIX,
    dataPlaneKind,
    DPS_TYPES,
    EDGE_DEVICE_TYPE,
    IOT_HUB_TYPES,
    isEdgeDeviceApplyStep,
    REMOTE_COMMAND_TYPE,
    TLS_CERT_TYPES,
} from "./markers";

/** Enforcement level of every policy unless the policy pack config raises it. */
export const DEFAULT_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

/** Policy names, as they appear in `--policy-pack-config` files and in violation output. */
export const POLICY_NAMES = {
    noSymmetricKeyAttestation: "no-symmetric-key-attestation",
    noQuickstartEdgeCa: "no-quickstart-edge-ca",
    edgeDeviceConfigVisible: "edge-device-config-visible",
    certificateLifetimeBounds: "certificate-lifetime-bounds",
    noFreeTierHub: "no-free-tier-hub",
    tlsAndLocalAuth: "tls-and-local-auth",
} as const;

const PRODUCTION_PROPERTY = {
    type: "boolean",
    default: false,
    description:
        "The stack is a production stack. Set by the pipeline per environment (policy/config.<env>.json).",
} as const;

/** Policy config merged over defaults; `getConfig()` only returns keys the config file sets. */
function configOf<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
    const given = args.getConfig<Partial<T>>();
    const merged: T = { ...defaults };
    for (const [k, v] of Object.entries(given)) {
        if (v !== undefined) {
            (merged as Record<string, unknown>)[k] = v;
        }
    }
    return merged;
}

function notProduction(args: ResourceValidationArgs | StackValidationArgs): never {
    return args.notApplicable("not a production stack (policy config production is false)");
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

// -----------------------------------------------------------------------------------------------
// 1. No symmetric-key attestation.

/** Config of {@link noSymmetricKeyAttestation}. */
export interface NoSymmetricKeyConfig {
    /** Production stack: only then does the policy apply. */
    production: boolean;
}

/** Defaults of {@link NoSymmetricKeyConfig}. */
export const NO_SYMMETRIC_KEY_DEFAULTS: NoSymmetricKeyConfig = { production: false };

/**
 * In production, DPS enrollments must not use symmetric-key attestation and hub device
 * identities must not use SAS authentication: a symmetric key is a shared secret copied onto
 * the device and into state, where X.509 from the fleet PKI keeps the private key on the
 * device. Recognises the data-plane dynamic resources by the markers of ./markers.ts.
 */
export const noSymmetricKeyAttestation: ResourceValidationPolicy = {
    name: POLICY_NAMES.noSymmetricKeyAttestation,
    description:
        "Production DPS enrollments must not use symmetric-key attestation, and IoT Hub device identities must not use SAS authentication.",
    enforcementLevel: DEFAULT_ENFORCEMENT_LEVEL,
    severity: "high",
    remediationSteps:
        "Use X.509 attestation from the fleet PKI: enrollment groups with x509 or x509CaReferences, individual enrollments with x509 (or tpm), device identities with certificateAuthority or selfSigned authentication.",
    configSchema: { properties: { production: PRODUCTION_PROPERTY } },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const kind = dataPlaneKind(args.type, args.props);
        if (kind === undefined) {
            return;
        }
        const config = configOf(args, NO_SYMMETRIC_KEY_DEFAULTS);
        if (!config.production) {
            notProduction(args);
        }
        switch (kind) {
            case "EnrollmentGroup":
            case "IndividualEnrollment": {
                const attestation: unknown = args.props.attestation;
                const type = isRecord(attestation) ? attestation.type : undefined;
                if (type === "symmetricKey") {
                    const use =
                        kind === "EnrollmentGroup"
                            ? '"x509CaReferences" or "x509" (CA certificates from the fleet PKI)'
                            : '"x509" (the device\'s certificate from the fleet PKI) or "tpm"';
                    reportViolation(
                        `${kind} "${args.name}": attestation.type is "symmetricKey"; symmetric-key attestation is not allowed in production. Use attestation type ${use}.`,
                    );
                }
                return;
            }
            case "HubDeviceIdentity": {
                const authentication: unknown = args.props.authentication;
                const type = isRecord(authentication) ? authentication.type : undefined;
                if (authentication === undefined || type === "sas") {
                    const what =
                        authentication === undefined
                            ? 'authentication is not set, which means SAS ({ type: "sas" })'
                            : 'authentication.type is "sas"';
                    reportViolation(
                        `HubDeviceIdentity "${args.name}": ${what}; SAS device authentication is not allowed in production. Set authentication.type to "certificateAuthority" (device certificate issued by a CA verified on the hub) or "selfSigned" (certificate thumbprints).`,
                    );
                }
                return;
            }
            default: {
                const exhaustive: never = kind;
                throw new Error(`unknown data-plane kind ${String(exhaustive)}`);
            }
        }
    },
};

// -----------------------------------------------------------------------------------------------
// 2. No quickstart Edge CA.

/** Config of {@link noQuickstartEdgeCa}. */
export interface NoQuickstartEdgeCaConfig {
    /** Production stack: only then does the policy apply. */
    production: boolean;
    /** Edge CA modes allowed (./edge-ca.ts); default files (our PKI) and EST. */
    allowedEdgeCaModes: EdgeCaMode[];
    /**
     * Accept an EdgeDevice apply step that carries no config.toml (EFLOW devices are
     * provisioned by `Provision-EflowVm`, not by a config.toml on stdin). Default false.
     */
    allowUncheckedDevices: boolean;
}

/** Defaults of {@link NoQuickstartEdgeCaConfig}. */
export const NO_QUICKSTART_EDGE_CA_DEFAULTS: NoQuickstartEdgeCaConfig = {
    production: false,
    allowedEdgeCaModes: [...DEFAULT_ALLOWED_EDGE_CA_MODES],
    allowUncheckedDevices: false,
};

const EDGE_CA_FIX =
    'Render [edge_ca] with cert/pk files from the fleet PKI (device edgeCa.mode "pki") or with method = "est" (edgeCa.mode "est").';

function deviceNameOf(applyStepName: string): string {
    return applyStepName.endsWith(APPLY_STEP_SUFFIX)
        ? applyStepName.slice(0, -APPLY_STEP_SUFFIX.length)
        : applyStepName;
}

/** Stdin of a command that is not a device apply step, if it is a known string. */
function knownStdin(props: Record<string, unknown>): string | undefined {
    try {
        const stdin = props.stdin;
        return typeof stdin === "string" ? stdin : undefined;
    } catch (e) {
        // By name as well: a second copy of @pulumi/policy (policy/node_modules next to the
        // root one, in a checkout where both are installed) has its own error class.
        if (
            e instanceof UnknownValueError ||
            (e as object)?.constructor?.name === "UnknownValueError"
        ) {
            return undefined;
        }
        throw e;
    }
}

/**
 * In production, a device's config.toml must take its Edge CA from files (our PKI) or EST,
 * never a quickstart (self-signed, auto-generated) Edge CA. The EdgeDevice component's inputs
 * are invisible to policies (./markers.ts), so this reads the config.toml its `apply` step
 * sends on stdin, and any other remote command whose stdin is an IoT Edge config.toml.
 *
 * During a preview that creates the DPS, the config.toml (which holds the DPS ID scope) is not
 * known yet; the policy framework then reports that it could not run, and `pulumi up` checks
 * the resolved text before the apply step is created.
 */
export const noQuickstartEdgeCa: ResourceValidationPolicy = {
    name: POLICY_NAMES.noQuickstartEdgeCa,
    description:
        "Production IoT Edge devices must use an Edge CA from files (fleet PKI) or EST, not a quickstart Edge CA.",
    enforcementLevel: DEFAULT_ENFORCEMENT_LEVEL,
    severity: "high",
    remediationSteps: EDGE_CA_FIX,
    configSchema: {
        properties: {
            production: PRODUCTION_PROPERTY,
            allowedEdgeCaModes: {
                type: "array",
                items: { type: "string", enum: ["files", "est", "local_ca"] },
                uniqueItems: true,
                default: [...DEFAULT_ALLOWED_EDGE_CA_MODES],
                description:
                    "Edge CA modes allowed in config.toml: files (cert/pk), est, local_ca.",
            },
            allowUncheckedDevices: {
                type: "boolean",
                default: false,
                description:
                    "Accept EdgeDevice apply steps without a config.toml on stdin (EFLOW devices).",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.type !== REMOTE_COMMAND_TYPE) {
            return;
        }
        const applyStep = isEdgeDeviceApplyStep({
            type: args.type,
            name: args.name,
            urn: args.urn,
            parentUrn: args.opts?.parent,
        });
        const subject = applyStep
            ? `EdgeDevice "${deviceNameOf(args.name)}" (command ${args.name})`
            : `Command "${args.name}" (stdin is an IoT Edge config.toml)`;
        let configToml: string | undefined;
        if (!applyStep) {
            configToml = knownStdin(args.props);
            if (configToml === undefined || !looksLikeIotEdgeConfig(configToml)) {
                return;
            }
        }
        const config = configOf(args, NO_QUICKSTART_EDGE_CA_DEFAULTS);
        if (!config.production) {
            notProduction(args);
        }
        if (applyStep) {
            // Read only now: an unknown stdin (preview) makes the framework report that the
            // policy could not run, which is noise outside production.
            const stdin: unknown = args.props.stdin;
            configToml = typeof stdin === "string" ? stdin : undefined;
        }
        if (configToml === undefined) {
            if (!config.allowUncheckedDevices) {
                reportViolation(
                    `${subject}: stdin carries no config.toml (an EFLOW device?), so its Edge CA cannot be checked. Give the device a config.toml with [edge_ca] from the fleet PKI or EST, or set allowUncheckedDevices in this policy's config.`,
                );
            }
            return;
        }
        const finding = edgeCaOf(configToml);
        if (finding.mode === "invalid") {
            reportViolation(
                `${subject}: the Edge CA cannot be checked: ${finding.detail}. ${EDGE_CA_FIX}`,
            );
            return;
        }
        if (!config.allowedEdgeCaModes.includes(finding.mode)) {
            const what =
                finding.mode === "quickstart"
                    ? "a quickstart Edge CA is not allowed in production"
                    : `Edge CA mode "${finding.mode}" is not allowed in production (allowed: ${config.allowedEdgeCaModes.join(", ")})`;
            reportViolation(`${subject}: ${finding.detail}: ${what}. ${EDGE_CA_FIX}`);
        }
    },
};

// -----------------------------------------------------------------------------------------------
// 2b. Every EdgeDevice has an apply step the Edge CA policy can see.

/** Config of {@link edgeDeviceConfigVisible}. */
export interface EdgeDeviceConfigVisibleConfig {
    /** Production stack: only then does the policy apply. */
    production: boolean;
}

/**
 * In production, every `iotedge:device:EdgeDevice` must have the `<device>-apply` remote
 * command child that {@link noQuickstartEdgeCa} reads. Guards that policy's marker: renaming
 * or restructuring the device steps would otherwise make the Edge CA check pass silently.
 * Uses only types, names and parents, which are known during preview.
 */
export const edgeDeviceConfigVisible: StackValidationPolicy = {
    name: POLICY_NAMES.edgeDeviceConfigVisible,
    description:
        "Production EdgeDevice components must have the apply step whose config.toml the Edge CA policy checks.",
    enforcementLevel: DEFAULT_ENFORCEMENT_LEVEL,
    severity: "medium",
    configSchema: { properties: { production: PRODUCTION_PROPERTY } },
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const devices = args.resources.filter((r) => r.type === EDGE_DEVICE_TYPE);
        if (devices.length === 0) {
            return;
        }
        const config = configOf<EdgeDeviceConfigVisibleConfig>(args, { production: false });
        if (!config.production) {
            notProduction(args);
        }
        for (const device of devices) {
            const visible = args.resources.some(
                (r) =>
                    r.parent?.urn === device.urn &&
                    isEdgeDeviceApplyStep({
                        type: r.type,
                        name: r.name,
                        urn: r.urn,
                        parentUrn: device.urn,
                    }),
            );
            if (!visible) {
                reportViolation(
                    `EdgeDevice "${device.name}" has no child ${REMOTE_COMMAND_TYPE} named "<device>${APPLY_STEP_SUFFIX}", so ${POLICY_NAMES.noQuickstartEdgeCa} cannot see its config.toml. Keep the apply step's name and type (components/device/edge-device.ts) or update policy/markers.ts.`,
                    device.urn,
                );
            }
        }
    },
};

// -----------------------------------------------------------------------------------------------
// 3. Certificate lifetimes.

/** Config of {@link certificateLifetimeBounds}. */
export interface CertificateLifetimeConfig {
    /** Longest `validityPeriodHours` of a CA certificate (`isCaCertificate: true`). */
    maxCaValidityHours: number;
    /** Longest `validityPeriodHours` of a leaf certificate. */
    maxLeafValidityHours: number;
    /** Leaf certificates must set `earlyRenewalHours` > 0. */
    requireLeafEarlyRenewal: boolean;
}

/**
 * Defaults of {@link CertificateLifetimeConfig}: 10 years for CAs and 1 year for leaves, the
 * fleet model's longest defaults (root CA 3650 days, identity and Edge CA 365 days,
 * components/fleet/resolve.ts).
 */
export const CERTIFICATE_LIFETIME_DEFAULTS: CertificateLifetimeConfig = {
    maxCaValidityHours: 87600,
    maxLeafValidityHours: 8760,
    requireLeafEarlyRenewal: false,
};

function hoursText(hours: number): string {
    return hours % 24 === 0 ? `${hours} (${hours / 24} days)` : String(hours);
}

/**
 * `tls` self-signed and locally signed certificates stay within the configured lifetimes (CA
 * and leaf bounds apart), leaf certificates renew early when configured, and no certificate
 * has an early-renewal window as long as its validity (the tls provider would then find it due
 * for renewal at once and replace it on every update). Applies in every environment, with the
 * environment's bounds.
 */
export const certificateLifetimeBounds: ResourceValidationPolicy = {
    name: POLICY_NAMES.certificateLifetimeBounds,
    description:
        "TLS certificates stay within the configured validity bounds (CA and leaf apart) and renew early.",
    enforcementLevel: DEFAULT_ENFORCEMENT_LEVEL,
    severity: "medium",
    configSchema: {
        properties: {
            maxCaValidityHours: {
                type: "integer",
                minimum: 1,
                default: CERTIFICATE_LIFETIME_DEFAULTS.maxCaValidityHours,
                description: "Longest validityPeriodHours of a CA certificate (isCaCertificate).",
            },
            maxLeafValidityHours: {
                type: "integer",
                minimum: 1,
                default: CERTIFICATE_LIFETIME_DEFAULTS.maxLeafValidityHours,
                description: "Longest validityPeriodHours of a leaf certificate.",
            },
            requireLeafEarlyRenewal: {
                type: "boolean",
                default: CERTIFICATE_LIFETIME_DEFAULTS.requireLeafEarlyRenewal,
                description: "Leaf certificates must set earlyRenewalHours > 0.",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!TLS_CERT_TYPES.includes(args.type)) {
            return;
        }
        const config = configOf(args, CERTIFICATE_LIFETIME_DEFAULTS);
        const kind = args.type.slice(args.type.lastIndexOf(":") + 1);
        const subject = `${kind} "${args.name}"`;
        const isCa = args.props.isCaCertificate === true;
        const validity: unknown = args.props.validityPeriodHours;
        const early: unknown = args.props.earlyRenewalHours;
        const role = isCa ? "a CA certificate (isCaCertificate: true)" : "a leaf certificate";
        const max = isCa ? config.maxCaValidityHours : config.maxLeafValidityHours;
        const bound = isCa ? "maxCaValidityHours" : "maxLeafValidityHours";
        if (typeof validity === "number" && validity > max) {
            reportViolation(
                `${subject}: validityPeriodHours is ${hoursText(validity)} for ${role}; the maximum is ${hoursText(max)} (policy config ${bound}). Lower the validity (fleet pki validityDays).`,
            );
        }
        const earlyHours = typeof early === "number" ? early : 0;
        if (!isCa && config.requireLeafEarlyRenewal && earlyHours <= 0) {
            reportViolation(
                `${subject}: earlyRenewalHours is ${early === undefined ? "not set" : String(early)} for a leaf certificate; set earlyRenewalHours > 0 so it is reissued before it expires (fleet pki.deviceCertificates.earlyRenewalDays).`,
            );
        }
        if (typeof validity === "number" && earlyHours > 0 && earlyHours >= validity) {
            reportViolation(
                `${subject}: earlyRenewalHours (${earlyHours}) is not less than validityPeriodHours (${validity}), so the certificate is due for renewal as soon as it is issued and is replaced on every update. Make earlyRenewalHours shorter than the validity.`,
            );
        }
    },
};

// -----------------------------------------------------------------------------------------------
// 4. No free-tier hub.

/** Config of {@link noFreeTierHub}. */
export interface NoFreeTierHubConfig {
    /** Production stack: only then does the policy apply. */
    production: boolean;
    /** Also disallow the basic tier (B1-B3): set when the fleet needs cloud-to-device. */
    disallowBasicTier: boolean;
}

/** Defaults of {@link NoFreeTierHubConfig}. */
export const NO_FREE_TIER_HUB_DEFAULTS: NoFreeTierHubConfig = {
    production: false,
    disallowBasicTier: false,
};

/**
 * In production, an IoT Hub must not use the free tier (F1), nor the basic tier (B1-B3) when
 * the config says so (the basic tier has no cloud-to-device messaging, twins or IoT Edge).
 */
export const noFreeTierHub: ResourceValidationPolicy = {
    name: POLICY_NAMES.noFreeTierHub,
    description:
        "Production IoT Hubs must not use the free tier (F1), nor the basic tier if configured.",
    enforcementLevel: DEFAULT_ENFORCEMENT_LEVEL,
    severity: "high",
    configSchema: {
        properties: {
            production: PRODUCTION_PROPERTY,
            disallowBasicTier: {
                type: "boolean",
                default: false,
                description:
                    "Also disallow B1/B2/B3 (no cloud-to-device messaging, twins or IoT Edge).",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!IOT_HUB_TYPES.includes(args.type)) {
            return;
        }
        const config = configOf(args, NO_FREE_TIER_HUB_DEFAULTS);
        if (!config.production) {
            notProduction(args);
        }
        const sku: unknown = args.props.sku;
        const name = isRecord(sku) && typeof sku.name === "string" ? sku.name : undefined;
        const upper = name?.toUpperCase();
        if (upper === "F1") {
            reportViolation(
                `IotHubResource "${args.name}": sku.name is "${name}" (free tier), which is not allowed in production. Use a standard tier: S1, S2 or S3.`,
            );
        } else if (config.disallowBasicTier && upper !== undefined && /^B[123]$/.test(upper)) {
            reportViolation(
                `IotHubResource "${args.name}": sku.name is "${name}" (basic tier), which this stack's policy config disallows (disallowBasicTier): the basic tier has no cloud-to-device messaging, twins or IoT Edge. Use a standard tier: S1, S2 or S3.`,
            );
        }
    },
};

// -----------------------------------------------------------------------------------------------
// 5. TLS and local-auth settings.

/** Config of {@link tlsAndLocalAuth}; an unset (or null) setting is not checked. */
export interface TlsAndLocalAuthConfig {
    /** Required IoT Hub `properties.minTlsVersion`. Default "1.2"; null: not checked. */
    minTlsVersion: string | null;
    /** Required IoT Hub `properties.disableLocalAuth` (unset counts as false, the API default). */
    disableLocalAuth?: boolean;
    /** Required IoT Hub `properties.publicNetworkAccess` ("Enabled" | "Disabled"). */
    hubPublicNetworkAccess?: string;
    /** Required DPS `properties.publicNetworkAccess` ("Enabled" | "Disabled"). */
    dpsPublicNetworkAccess?: string;
}

/** Defaults of {@link TlsAndLocalAuthConfig}. */
export const TLS_AND_LOCAL_AUTH_DEFAULTS: TlsAndLocalAuthConfig = { minTlsVersion: "1.2" };

function shown(v: unknown): string {
    return v === undefined ? "not set" : JSON.stringify(v);
}

/**
 * IoT Hub `properties.minTlsVersion` and `properties.disableLocalAuth`, and the hub's and DPS's
 * `properties.publicNetworkAccess`, equal the configured values. Applies in every environment;
 * a setting the config leaves unset is not checked (only minTlsVersion has a default).
 */
export const tlsAndLocalAuth: ResourceValidationPolicy = {
    name: POLICY_NAMES.tlsAndLocalAuth,
    description:
        "IoT Hub minimum TLS version and local (SAS) auth, and hub/DPS public network access, match the configured values.",
    enforcementLevel: DEFAULT_ENFORCEMENT_LEVEL,
    severity: "high",
    configSchema: {
        properties: {
            minTlsVersion: {
                type: ["string", "null"],
                default: "1.2",
                description: "Required IoT Hub properties.minTlsVersion; null: not checked.",
            },
            disableLocalAuth: {
                type: "boolean",
                description:
                    "Required IoT Hub properties.disableLocalAuth. Unset: not checked. true breaks the SAS-based registry resources (components/hub/iot-hub.ts).",
            },
            hubPublicNetworkAccess: {
                type: "string",
                enum: ["Enabled", "Disabled"],
                description: "Required IoT Hub properties.publicNetworkAccess. Unset: not checked.",
            },
            dpsPublicNetworkAccess: {
                type: "string",
                enum: ["Enabled", "Disabled"],
                description: "Required DPS properties.publicNetworkAccess. Unset: not checked.",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const isHub = IOT_HUB_TYPES.includes(args.type);
        const isDps = DPS_TYPES.includes(args.type);
        if (!isHub && !isDps) {
            return;
        }
        const config = configOf(args, TLS_AND_LOCAL_AUTH_DEFAULTS);
        const propsValue: unknown = args.props.properties;
        const properties = isRecord(propsValue) ? propsValue : {};
        const kind = isHub ? "IotHubResource" : "IotDpsResource";
        const subject = `${kind} "${args.name}"`;
        const expect = (key: string, want: unknown, actual: unknown, equal: boolean, why = "") => {
            if (!equal) {
                reportViolation(
                    `${subject}: properties.${key} is ${shown(actual)}; this stack's policy config requires ${JSON.stringify(want)}. Set properties.${key} to ${JSON.stringify(want)}${why}.`,
                );
            }
        };
        const sameText = (a: unknown, b: string) =>
            typeof a === "string" && a.toLowerCase() === b.toLowerCase();
        if (isHub) {
            if (config.minTlsVersion !== null && config.minTlsVersion !== undefined) {
                const actual = properties.minTlsVersion;
                expect(
                    "minTlsVersion",
                    config.minTlsVersion,
                    actual,
                    actual === config.minTlsVersion,
                );
            }
            if (config.disableLocalAuth !== undefined) {
                const actual = properties.disableLocalAuth;
                expect(
                    "disableLocalAuth",
                    config.disableLocalAuth,
                    actual,
                    (actual ?? false) === config.disableLocalAuth,
                    actual === undefined ? " (unset means false)" : "",
                );
            }
            if (config.hubPublicNetworkAccess !== undefined) {
                const actual = properties.publicNetworkAccess;
                expect(
                    "publicNetworkAccess",
                    config.hubPublicNetworkAccess,
                    actual,
                    sameText(actual, config.hubPublicNetworkAccess),
                );
            }
        } else if (config.dpsPublicNetworkAccess !== undefined) {
            const actual = properties.publicNetworkAccess;
            expect(
                "publicNetworkAccess",
                config.dpsPublicNetworkAccess,
                actual,
                sameText(actual, config.dpsPublicNetworkAccess),
            );
        }
    },
};

// -----------------------------------------------------------------------------------------------

/** Every policy of the pack, in the order the pack registers them. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    noSymmetricKeyAttestation,
    noQuickstartEdgeCa,
    edgeDeviceConfigVisible,
    certificateLifetimeBounds,
    noFreeTierHub,
    tlsAndLocalAuth,
];

/** The config schema of each policy, by name (for checking config files). */
export function configSchemas(): Record<string, PolicyConfigSchema | undefined> {
    return Object.fromEntries(policies.map((p) => [p.name, p.configSchema]));
}
